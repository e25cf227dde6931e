import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import type { DestinationStream } from "pino";
import {
	type App,
	createApp,
	createServer,
	type Environment,
	parseConfig,
} from "../../src/index.js";
import { createLogger, type Logger } from "../../src/tools/logger/index.js";
import { OpenApiConformance, type SeenAnswer } from "./openapi-conformance.js";

/** The two databases every data test runs against. */
export type DialectName = "sqlite" | "postgres";

/** A response as tests read it. */
export interface TestResponse {
	status: number;
	headers: Record<string, string | string[] | number | undefined>;
	text: string;
	// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON bodies.
	body: any;
}

/** Options of one test request. */
export interface RequestOptions {
	body?: unknown;
	/** A bearer token; `superuser` uses the app's superuser. */
	token?: string;
	headers?: Record<string, string>;
}

/** A running App with an in-process HTTP server and a signed-in superuser. */
export interface TestApp {
	app: App;
	server: FastifyInstance;
	dialect: DialectName;
	superuserToken: string;
	request(
		method: string,
		url: string,
		options?: RequestOptions,
	): Promise<TestResponse>;
	close(): Promise<void>;
}

export const SUPERUSER = {
	email: "root@example.com",
	password: "correct horse battery",
};

/** How createTestApp builds the App's logger (silent by default). */
export interface TestAppOptions {
	logger?: Logger;
	logDestination?: DestinationStream;
	/**
	 * PostgreSQL settings of the App's database (`ALTER DATABASE … SET`), in force for
	 * every connection the App opens: `{ log_statement: "all" }`, say.
	 */
	postgresSettings?: Record<string, string>;
}

/** Creates a fresh database of the dialect: a temp SQLite file or a new PostgreSQL database. */
async function freshDatabase(
	dialect: DialectName,
	postgresUrl: string | undefined,
	settings: Record<string, string> = {},
) {
	if (dialect === "sqlite") return { env: {}, drop: async () => {} };
	if (!postgresUrl) throw new Error("PostgreSQL is not available");
	const name = `basalt_${randomBytes(6).toString("hex")}`;
	const admin = new pg.Client({ connectionString: postgresUrl });
	await admin.connect();
	await admin.query(`CREATE DATABASE ${name}`);
	for (const [setting, value] of Object.entries(settings)) {
		if (!/^[a-z_]+$/.test(setting)) throw new Error(`bad setting ${setting}`);
		await admin.query(
			`ALTER DATABASE ${name} SET ${setting} = '${value.replaceAll("'", "''")}'`,
		);
	}
	await admin.end();
	const url = new URL(postgresUrl);
	url.pathname = `/${name}`;
	return {
		env: { DATABASE_URL: url.toString() },
		drop: async () => {
			const client = new pg.Client({ connectionString: postgresUrl });
			await client.connect();
			await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
			await client.end();
		},
	};
}

/** Starts an App on its own data dir and database, with a superuser signed in. */
export async function createTestApp(
	dialect: DialectName,
	postgresUrl: string | undefined,
	env: Environment = {},
	options: TestAppOptions = {},
): Promise<TestApp> {
	const dataDir = mkdtempSync(path.join(tmpdir(), "basalt-test-"));
	const database = await freshDatabase(
		dialect,
		postgresUrl,
		options.postgresSettings,
	);
	const config = parseConfig(
		{
			BASALT_DATA_DIR: dataDir,
			BASALT_LOG_LEVEL: "silent",
			...database.env,
			...env,
		},
		{ cwd: dataDir, stdoutIsTty: false },
	);
	// A destination makes createApp build the logger, as in production (trace ids).
	const app = await createApp(
		config,
		options.logDestination
			? { logDestination: options.logDestination }
			: {
					logger:
						options.logger ?? createLogger({ level: "silent", format: "json" }),
				},
	);
	const server = await createServer(app);
	await server.ready();
	await app.superusers.create(SUPERUSER.email, SUPERUSER.password);
	const login = await server.inject({
		method: "POST",
		url: "/api/v1/superusers/auth/password",
		payload: { identity: SUPERUSER.email, password: SUPERUSER.password },
	});
	const superuserToken = (login.json() as { token: string }).token;
	const conformance = watchConformance(app, server);
	const request = async (
		method: string,
		url: string,
		options: RequestOptions = {},
	): Promise<TestResponse> => {
		const headers: Record<string, string> = { ...options.headers };
		const token =
			options.token === "superuser" ? superuserToken : options.token;
		if (token) headers.authorization = `Bearer ${token}`;
		const response = await server.inject({
			method: method as "GET",
			url,
			headers,
			...(options.body !== undefined
				? { payload: options.body as string }
				: {}),
		});
		await conformance.check({
			method,
			url,
			status: response.statusCode,
			headers: response.headers,
			text: response.body,
		});
		let body: unknown;
		try {
			body = response.body === "" ? undefined : JSON.parse(response.body);
		} catch {
			body = undefined;
		}
		return {
			status: response.statusCode,
			headers: response.headers,
			text: response.body,
			body,
		};
	};
	return {
		app,
		server,
		dialect,
		superuserToken,
		request,
		async close() {
			await server.close();
			await app.close();
			await database.drop();
			rmSync(dataDir, { recursive: true, force: true });
		},
	};
}

/**
 * Checks every answer a test gets through `request` against the live OpenAPI
 * document (re-read whenever the collections change), so an answer the document
 * does not describe fails the test that saw it. See docs/api.md#openapi.
 */
function watchConformance(app: App, server: FastifyInstance) {
	let generation = -1;
	let checker: OpenApiConformance | undefined;
	return {
		async check(answer: SeenAnswer): Promise<void> {
			if (generation !== app.registry.generation || !checker) {
				generation = app.registry.generation;
				const doc = await server.inject({
					method: "GET",
					url: "/api/v1/openapi.json",
				});
				checker = new OpenApiConformance(doc.json());
			}
			const problems = checker.problems(answer);
			if (problems.length > 0)
				throw new Error(
					`The answer breaks the live OpenAPI document:\n${problems.join("\n")}`,
				);
		},
	};
}
