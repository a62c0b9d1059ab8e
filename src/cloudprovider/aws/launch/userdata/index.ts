// User data for a node class's AMI family. Custom AMIs get the user data as written.
import type { AMIFamily } from "../../../../apis/ec2nodeclass.js";
import { al2UserData } from "./al2.js";
import { al2023UserData } from "./al2023.js";
import { bottlerocketUserData } from "./bottlerocket.js";
import { type BootstrapOptions, base64 } from "./options.js";
import { windowsUserData } from "./windows.js";

export type { BootstrapOptions } from "./options.js";

/** Base64 user data for the launch template. */
export function userDataFor(family: AMIFamily, o: BootstrapOptions): string {
  switch (family) {
    case "AL2023":
      return al2023UserData(o);
    case "AL2":
      return al2UserData(o);
    case "Bottlerocket":
      return bottlerocketUserData(o);
    case "Windows2019":
    case "Windows2022":
    case "Windows2025":
      return windowsUserData(o);
    case "Custom":
      return base64(o.customUserData ?? "");
  }
}
