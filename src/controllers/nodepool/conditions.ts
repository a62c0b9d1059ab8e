// The NodePool and EC2NodeClass status controllers use the shared operatorpkg-style helpers.
export {
  type ConditionStatus,
  type ConditionUpdate,
  getCondition,
  isTrue as isConditionTrue,
  isReady,
  rootReady,
  sameConditions,
  setConditions,
} from "../conditions.js";
