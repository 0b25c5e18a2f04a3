/** `roster orgs list|create`. */
import { connect, type CommonOptions } from "../context.ts";
import { orgsTable } from "../render.ts";
import { print, printJson } from "../report.ts";

export async function orgsList(opts: CommonOptions): Promise<void> {
  const { client } = await connect(opts);
  const { orgs } = await client.listOrgs();
  if (opts.json) printJson(orgs);
  else print(orgsTable(orgs));
}

export async function orgsCreate(name: string, opts: CommonOptions): Promise<void> {
  const { client } = await connect(opts);
  const org = await client.createOrg(name);
  if (opts.json) printJson(org);
  else print(orgsTable([{ ...org, role: "owner" }]));
}
