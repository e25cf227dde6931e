import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestApp, TestResponse } from "../helpers/test-app.js";
import { ACCOUNTS, FUZZ_PASSWORD, FuzzCallers } from "./fuzz-callers.js";
import { FuzzPools } from "./fuzz-pools.js";
import { FIXTURE_COLLECTIONS, MODEL } from "./fuzz-rules.js";
import type { FieldInfo, ListTarget } from "./list-params.js";

/*
 * The world the fuzzer runs in: the collections of fuzz-rules.ts with records owned
 * by different accounts, signed-in callers and API keys, a webhook to a local sink,
 * an OAuth2 client and a sign-in provider, so that every route has something real
 * to work on. Nothing here imports vitest: fuzz-child.ts builds it outside the runner.
 */

/** What the fixture made, for the runner and the request generator. */
export interface FuzzWorld {
	callers: FuzzCallers;
	pools: FuzzPools;
	/** Collections (and the logs and audit lists) as the generators see them. */
	targets: Map<string, ListTarget>;
	client: { clientId: string; clientSecret: string };
	sinkUrl: string;
	/** Stops the webhook sink. */
	stop(): Promise<void>;
}

async function ok(
	res: Promise<TestResponse>,
	status = 201,
): Promise<TestResponse> {
	const answer = await res;
	if (answer.status !== status)
		throw new Error(
			`fixture: expected ${status}, got ${answer.status}: ${answer.text}`,
		);
	return answer;
}

/** An HTTP server that takes webhook deliveries and answers 204, keeping nothing. */
async function startSink(): Promise<{ url: string; server: Server }> {
	const server = createServer((req, res) => {
		req.resume();
		req.on("end", () => res.writeHead(204).end());
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return { url: `http://127.0.0.1:${port}/hook`, server };
}

/** Creates the fixture's collections; `users` exists and gains its extra fields. */
async function createCollections(t: TestApp): Promise<void> {
	const su = { token: "superuser" };
	const users = await ok(
		t.request("GET", "/api/v1/collections/users", su),
		200,
	);
	const definition = MODEL.users?.definition as {
		fields: object[];
		rules: object;
	};
	const kept = (users.body.fields as { name: string }[]).filter(
		(f) => f.name !== "name",
	);
	await ok(
		t.request("PATCH", "/api/v1/collections/users", {
			...su,
			body: {
				fields: [...kept, ...definition.fields],
				rules: definition.rules,
			},
		}),
		200,
	);
	for (const name of FIXTURE_COLLECTIONS.filter((n) => n !== "users"))
		await ok(
			t.request("POST", "/api/v1/collections", {
				...su,
				body: { name, ...MODEL[name]?.definition },
			}),
		);
}

/** Creates a record as a superuser and returns its id. */
async function seed(
	t: TestApp,
	collection: string,
	body: object,
): Promise<string> {
	const res = await ok(
		t.request("POST", `/api/v1/collections/${collection}/records`, {
			token: "superuser",
			body,
		}),
	);
	return res.body.id as string;
}

/** Records of every collection, owned by different accounts, in every state the rules tell apart. */
async function seedRecords(
	t: TestApp,
	ids: Record<string, string>,
): Promise<Record<string, string[]>> {
	const made: Record<string, string[]> = { users: Object.values(ids) };
	const add = async (c: string, body: object) => {
		made[c] ??= [];
		made[c].push(await seed(t, c, body));
	};
	const { ann, bob, carol, dave } = ids as Record<
		"ann" | "bob" | "carol" | "dave",
		string
	>;
	await add("teams", { name: "alpha", members: [ann, carol] });
	await add("teams", { name: "beta", members: [bob] });
	await add("teams", { name: "empty", members: [] });
	const [alpha, beta] = made.teams as string[];
	const statuses = ["draft", "published", "archived", null];
	const owners = [ann, bob, carol, dave, null];
	for (let i = 0; i < 16; i++) {
		await add("posts", {
			title: `post ${i} %_'"`,
			status: statuses[i % 4],
			owner: owners[i % 5],
			team: [alpha, beta, null][i % 3],
			tags: ["a", "b", "news"].slice(0, i % 4),
			views: i,
			meta: { i },
			secret: `secret-${i}`,
			due: `2026-0${(i % 9) + 1}-01T00:00:00Z`,
			slug: `post-${i}`,
		});
	}
	const posts = made.posts as string[];
	for (let i = 0; i < 12; i++)
		await add("comments", {
			post: posts[i],
			author: owners[(i + 1) % 5],
			text: `comment ${i}`,
			votes: i - 3,
		});
	for (let i = 0; i < 10; i++)
		await add("notes", {
			owner: owners[i % 5],
			text: `note ${i}`,
			shared: i % 2 === 0,
			level: i % 3 === 2 ? null : i,
			pin: i % 4 === 0 ? null : `pin ${i % 3}`,
		});
	await add("memberships", { user: bob, team: beta });
	await add("memberships", { user: dave, team: alpha });
	for (let i = 0; i < 3; i++)
		await add("projects", {
			name: `project ${i}`,
			team: alpha,
			budget: i * 100,
		});
	for (let i = 0; i < 3; i++)
		await add("announcements", { title: `news ${i}`, pinned: i === 0 });
	await add("vault", { secret: "the vault's secret" });
	return made;
}

/** The generators' view of the collections, and of the logs and audit lists. */
async function listTargets(
	t: TestApp,
	document: unknown,
): Promise<Map<string, ListTarget>> {
	const res = await ok(
		t.request("GET", "/api/v1/collections", { token: "superuser" }),
		200,
	);
	const targets = new Map<string, ListTarget>();
	for (const c of res.body.items as { name: string; fields: FieldInfo[] }[])
		targets.set(c.name, { name: c.name, fields: c.fields });
	const paths = (document as { paths: Record<string, Record<string, unknown>> })
		.paths;
	for (const [name, path] of [
		["_logs", "/api/v1/logs"],
		["_audit", "/api/v1/audit"],
	] as const) {
		const op = paths[path]?.get as {
			responses: Record<
				string,
				{
					content: Record<
						string,
						{
							schema: {
								properties: {
									items: {
										items: {
											properties: Record<
												string,
												{ type?: unknown; format?: string }
											>;
										};
									};
								};
							};
						}
					>;
				}
			>;
		};
		const item =
			op.responses["200"]?.content["application/json"]?.schema.properties.items
				.items.properties ?? {};
		targets.set(name, {
			name,
			fields: Object.entries(item).map(([field, s]) => ({
				name: field,
				type:
					s.format === "date-time"
						? "date"
						: [s.type].flat().includes("string")
							? "text"
							: "number",
			})),
		});
	}
	return targets;
}

/** Builds the fixture on a fresh TestApp and signs its callers in. */
export async function createFuzzWorld(t: TestApp): Promise<FuzzWorld> {
	const sink = await startSink();
	await createCollections(t);
	const superuser = await t.app.db.kysely
		.selectFrom("_superusers")
		.select("id")
		.executeTakeFirstOrThrow();
	const callers = new FuzzCallers(t, String(superuser.id));
	for (const [name, account] of Object.entries(ACCOUNTS)) {
		callers.ids[name] = await seed(t, "users", {
			email: account.email,
			password: FUZZ_PASSWORD,
			passwordConfirm: FUZZ_PASSWORD,
			role: account.role,
			clearance: account.clearance,
		});
	}
	const made = await seedRecords(t, callers.ids);
	await callers.provision();
	const su = { token: "superuser" };
	const webhook = await ok(
		t.request("POST", "/api/v1/webhooks", {
			...su,
			body: { url: sink.url, events: ["posts.*", "comments.create"] },
		}),
	);
	const client = await ok(
		t.request("POST", "/api/v1/oauth/clients", {
			...su,
			body: { name: "fuzz client", scopes: ["records:read:announcements"] },
		}),
	);
	await ok(
		t.request("POST", "/api/v1/oauth2/providers", {
			...su,
			body: {
				name: "github",
				preset: "github",
				clientId: "fuzz-client",
				clientSecret: "fuzz-secret",
				redirectUrls: ["https://app.example.com/done"],
			},
		}),
	);
	const pools = new FuzzPools();
	for (const [collection, ids] of Object.entries(made))
		pools.fix(`records:${collection}`, ids);
	pools.fix("collections", FIXTURE_COLLECTIONS);
	pools.fix("providers", ["github"]);
	pools.fix("webhooks", [webhook.body.id]);
	pools.fix("clients", [client.body.id]);
	const document = (await ok(t.request("GET", "/api/v1/openapi.json"), 200))
		.body;
	return {
		callers,
		pools,
		targets: await listTargets(t, document),
		client: { clientId: client.body.id, clientSecret: client.body.secret },
		sinkUrl: sink.url,
		stop: () => new Promise((resolve) => sink.server.close(() => resolve())),
	};
}
