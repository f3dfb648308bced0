// The API's test kit: docs/api.yaml as the oracle every test's answers are checked against.
export {
  API_DOC_PATH,
  type ApiReply,
  apiDoc,
  callApi,
  responseProblem,
  seen,
  templateOf,
} from "./openapi.js";
