// Must NOT type-check, on lines 7 and 8: an id read as a string, a misspelt column.
import { createClient } from "@supabase/supabase-js";
import type { Database } from "./database.types";
const sb = createClient<Database>("http://localhost:54321", "anon-key");
export async function wrong(): Promise<void> {
  const { data } = await sb.schema("app").from("users").select("id, email");
  if (data) { const id: string = data[0].id; console.log(id); }
  await sb.schema("app").from("tenants").insert({ nme: "acme" });
}
