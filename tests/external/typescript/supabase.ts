// Must type-check: supabase-js infers rows, inserts and embedded joins from the
// generated Database type (the demo's schema app).
import { createClient } from "@supabase/supabase-js";
import type { Database } from "./database.types";

const sb = createClient<Database>("http://localhost:54321", "anon-key");

export async function demo(): Promise<void> {
  const { data } = await sb.schema("app").from("users").select("id, email, ssn").eq("id", 1);
  if (data) {
    const id: number = data[0].id;
    const email: string = data[0].email;
    const ssn: string | null = data[0].ssn;
    console.log(id, email, ssn);
  }
  await sb.schema("app").from("tenants").insert({ name: "acme" });
  const joined = await sb.schema("app").from("memberships").select("role, users(email)");
  if (joined.data) {
    const e: string | undefined = joined.data[0].users?.email;
    console.log(e);
  }
}
