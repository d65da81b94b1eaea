// Must NOT type-check: each line is one mistake the generated types catch.
import type { Database } from "./database.types";
type W = Database['Weird "Names" Δ'];

const wrongType: W["Tables"]["Orders"]["Row"]["total"] = "twelve";      // a number column
const missing: W["Tables"]["Orders"]["Insert"] = { total: 1 };          // status is required
const identity: W["Tables"]["Orders"]["Insert"] = { id: 5, status: "open", total: 1 }; // GENERATED ALWAYS
const badEnum: W["Enums"]["Order Status"] = "closed";                   // not a label
const noInsert: W["Views"]["totals"]["Insert"] = {};                    // the view is not updatable
export { wrongType, missing, identity, badEnum, noInsert };
