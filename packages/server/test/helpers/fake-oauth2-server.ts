import { createHash, randomBytes } from "node:crypto";
import {
	createServer,
	type IncomingMessage,
	type ServerResponse,
} from "node:http";

/** One request the fake provider got. */
export interface ProviderRequest {
	method: string;
	path: string;
	headers: IncomingMessage["headers"];
	body: string;
}

/** Where the fake provider serves what. */
export interface FakeRoutes {
	authorize: string;
	token: string;
	/** Answered with the current user. */
	user: string;
	/** Answered with the current email list (GitHub's `/user/emails`). */
	emails?: string;
}

/**
 * A plain OAuth2 provider on 127.0.0.1 that plays GitHub's or Discord's part (they
 * cannot be run here): an authorize endpoint that approves at once, a token
 * endpoint that checks the client secret, the redirect URI and PKCE (S256) as a real
 * one must, and user APIs that want the access token it issued.
 */
export interface FakeOAuth2Server {
	url(path: string): string;
	/** What the user API answers from now on. */
	setUser(user: unknown, emails?: unknown): void;
	/** Answers this path with a status (and JSON body) instead, until cleared with undefined. */
	fail(path: string, status: number | undefined): void;
	/** Serves a fixed JSON document at a path (a discovery document, say). */
	serveJson(path: string, body: unknown): void;
	requests(path?: string): ProviderRequest[];
	stop(): Promise<void>;
}

/** Starts a fake provider expecting this client, on a free loopback port. */
export async function startFakeOAuth2Server(
	routes: FakeRoutes,
	client: { id: string; secret: string },
): Promise<FakeOAuth2Server> {
	const received: ProviderRequest[] = [];
	const codes = new Map<string, { challenge: string; redirectUri: string }>();
	const tokens = new Set<string>();
	const failures = new Map<string, number>();
	const documents = new Map<string, unknown>();
	let user: unknown = {};
	let emails: unknown = [];

	const json = (res: ServerResponse, status: number, body: unknown) => {
		res.writeHead(status, { "content-type": "application/json" });
		res.end(JSON.stringify(body));
	};

	function authorize(url: URL, res: ServerResponse) {
		const q = url.searchParams;
		const back = new URL(q.get("redirect_uri") ?? "");
		if (
			q.get("client_id") !== client.id ||
			q.get("code_challenge_method") !== "S256"
		) {
			back.searchParams.set("error", "invalid_request");
		} else {
			const code = randomBytes(16).toString("hex");
			codes.set(code, {
				challenge: q.get("code_challenge") ?? "",
				redirectUri: q.get("redirect_uri") ?? "",
			});
			back.searchParams.set("code", code);
		}
		back.searchParams.set("state", q.get("state") ?? "");
		res.writeHead(302, { location: back.href });
		res.end();
	}

	function token(body: string, res: ServerResponse) {
		const form = new URLSearchParams(body);
		const code = codes.get(form.get("code") ?? "");
		codes.delete(form.get("code") ?? "");
		const verifier = form.get("code_verifier") ?? "";
		const challenge = createHash("sha256").update(verifier).digest("base64url");
		const ok =
			code !== undefined &&
			form.get("grant_type") === "authorization_code" &&
			form.get("client_id") === client.id &&
			form.get("client_secret") === client.secret &&
			form.get("redirect_uri") === code.redirectUri &&
			challenge === code.challenge;
		if (!ok) return json(res, 400, { error: "invalid_grant" });
		const accessToken = randomBytes(16).toString("hex");
		tokens.add(accessToken);
		return json(res, 200, {
			access_token: accessToken,
			token_type: "bearer",
			scope: "read:user,user:email",
		});
	}

	function handle(request: ProviderRequest, url: URL, res: ServerResponse) {
		const failure = failures.get(url.pathname);
		if (failure !== undefined) return json(res, failure, { message: "failed" });
		if (documents.has(url.pathname))
			return json(res, 200, documents.get(url.pathname));
		if (url.pathname === routes.authorize) return authorize(url, res);
		if (url.pathname === routes.token && request.method === "POST")
			return token(request.body, res);
		const bearer = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? "");
		if (!bearer || !tokens.has(bearer[1] as string))
			return json(res, 401, { message: "Requires authentication" });
		if (url.pathname === routes.user) return json(res, 200, user);
		if (url.pathname === routes.emails) return json(res, 200, emails);
		return json(res, 404, { message: "Not Found" });
	}

	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on("data", (chunk: Buffer) => chunks.push(chunk));
		req.on("end", () => {
			const url = new URL(req.url ?? "/", "http://127.0.0.1");
			const request = {
				method: req.method ?? "",
				path: url.pathname,
				headers: req.headers,
				body: Buffer.concat(chunks).toString("utf8"),
			};
			received.push(request);
			handle(request, url, res);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	const port = typeof address === "object" && address ? address.port : 0;
	return {
		url: (path) => `http://127.0.0.1:${port}${path}`,
		setUser(nextUser, nextEmails = []) {
			user = nextUser;
			emails = nextEmails;
		},
		fail(path, status) {
			if (status === undefined) failures.delete(path);
			else failures.set(path, status);
		},
		serveJson: (path, body) => documents.set(path, body),
		requests: (path) =>
			path === undefined
				? [...received]
				: received.filter((r) => r.path === path),
		stop: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
