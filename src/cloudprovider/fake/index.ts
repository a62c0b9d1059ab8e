export { FakeCloudProvider, type FakeCalls, type FakeCloudProviderOptions, type OfferingMatch } from "./provider.js";
export { defaultFakeInstanceTypes, fakeInstanceType, DEFAULT_FAKE_TYPES, FAKE_REGION, FAKE_ZONES, type FakeTypeSpec } from "./instancetypes.js";
