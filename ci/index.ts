// Checks of the repository's GitHub workflows: schema and house rules.

export { schemaErrors } from "./schema.js";
export {
  checkWorkflow,
  type Finding,
  pinMismatches,
  type RuleCode,
  readPins,
} from "./workflow-rules.js";
