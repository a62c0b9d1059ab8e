export * from "./labels.js";
export * from "./common.js";
export * from "./duration.js";
export * from "./nodepool.js";
export * from "./nodeclaim.js";
export * from "./ec2nodeclass.js";
export * from "./parse.js";
