// Must type-check with the generated database.types.ts (tsc --strict).
import type { Database, Json, AppUsers, AppUsersInsert, WeirdNamesΔOrders } from "./database.types";

type W = Database['Weird "Names" Δ'];
type Order = W["Tables"]["Orders"]["Row"];

// the demo: a row, an insert without the identity and the defaults
const user: AppUsers = {
  id: 1, email: "a@b.c", full_name: "A", password_hash: "x", ssn: null,
  created_at: "2026-01-01T00:00:00Z",
};
const newUser: AppUsersInsert = { email: "a@b.c", full_name: "A", password_hash: "x" };

// weird names, enums, domains, arrays, json, composites, generated and identity columns
const order: Order = {
  id: 1, "placed at": "2026-12-01", status: 'it\'s "done"', contact: null,
  tags: ["a"], grid: [[1]], total: 12.5, extra: { a: [1, null, "x"] }, legacy: {},
  "ship to": { street: "Main", "zip code": 12345, select: true }, select: false,
  "1st item": null, "naïve café": "ok", doubled: 25, uid: "x", period: "[2026-01-01,)",
  raw: "\\x00",
};
const same: WeirdNamesΔOrders = order;
const insert: W["Tables"]["Orders"]["Insert"] = { status: "open", total: 1 };
const update: W["Tables"]["Orders"]["Update"] = { total: 2, tags: null };
const line: W["Tables"]["order lines"]["Insert"] = { order: 1, qty: 2 };
const status: W["Enums"]["Order Status"] = "back\\slash";
const fk: W["Tables"]["order lines"]["Relationships"][0]["referencedRelation"] = "Orders";
const oneToOne: W["Tables"]["receipt"]["Relationships"][0]["isOneToOne"] = true;
const open: W["Views"]["open orders"]["Row"] = { id: null, status: "open", total: null };
const openInsert: W["Views"]["open orders"]["Insert"] = { status: "open" };
const daily: W["Views"]["Daily"]["Row"] = { day: null, sum: null };
const args: W["Functions"]["orders of"]["Args"] = { who: "x" };
const rows: W["Functions"]["orders of"]["Returns"] = [order];
const table: W["Functions"]["daily_totals"]["Returns"] = [{ day: "2026-12-01", sum: null }];
const none: W["Functions"]["touch"]["Args"] = {};
const split: W["Functions"]["split"]["Returns"] = { q: 1, r: 0 };
const json: Json = { nested: [true, 1, "s", null] };
const address: W["CompositeTypes"]["address"] = { street: null, "zip code": null, select: null };
export { user, newUser, order, same, insert, update, line, status, fk, oneToOne, open,
         openInsert, daily, args, rows, table, none, split, json, address };
