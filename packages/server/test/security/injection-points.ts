import { headerValue } from "../helpers/header-value.js";
import { openRules } from "../helpers/records-api.js";
import type { SqlPayload } from "../helpers/sql-injection-payloads.js";

/*
 * Every way a client's text reaches code that builds SQL, for
 * sql-injection.test.ts: each injection point turns one payload into the requests
 * that carry it there. A probe marked `bound` must make the database see the payload
 * as a bound value when it is not refused first (its answer is 2xx or 404), which
 * proves the statement log saw that request at all.
 */

/** Who sends a probe. */
export type Sender = "guest" | "user" | "superuser";

/** One request carrying a payload. */
export interface Probe {
	method: string;
	url: string;
	body?: unknown;
	headers?: Record<string, string>;
	as?: Sender;
	/** The payload reaches the database as a bound value unless refused. */
	bound?: boolean;
}

/** Ids the probes point at. */
export interface InjectionContext {
	postId: string;
	scratchId: string;
	userId: string;
	webhookId: string;
}

/** A place a payload can go, and the requests that put it there. */
export interface InjectionPoint {
	name: string;
	probes(p: SqlPayload, c: InjectionContext): Probe[];
}

const q = (text: string) => JSON.stringify(text);
const enc = encodeURIComponent;
const b64 = (value: unknown) =>
	Buffer.from(JSON.stringify(value)).toString("base64url");
const POSTS = "/api/v1/collections/posts/records";
const SCRATCH = "/api/v1/collections/scratch/records";

const list = (filter: string, as: Sender = "guest", bound = true): Probe => ({
	method: "GET",
	url: `${POSTS}?filter=${enc(filter)}`,
	as,
	bound,
});

/** A CSV cell as RFC 4180 quotes it. */
const csv = (text: string) => `"${text.replaceAll('"', '""')}"`;

/** The injection points of docs/filters.md, docs/api.md and docs/auth.md. */
export const INJECTION_POINTS: readonly InjectionPoint[] = [
	{
		name: "filter values",
		probes: ({ text }) => [
			list(`title = ${q(text)}`),
			list(`title ~ ${q(text)}`),
			list(`body !~ ${q(text)} && views > 1`),
			list(`tags ?= ${q(text)}`),
			list(`${q(text)} = title`),
			list(`owner.name = ${q(text)}`, "superuser"),
			list(`owner.email = ${q(text)}`, "superuser"),
			list(`@collection.scratch.title ?= ${q(text)}`),
			{
				method: "GET",
				url: `${SCRATCH}?filter=${enc(`title = ${q(text)}`)}`,
				bound: true,
			},
		],
	},
	{
		name: "filter field names",
		probes: ({ text }) =>
			[
				`${text} = 1`,
				`owner.${text} = 1`,
				`@collection.${text}.title = 1`,
				`@collection.posts.${text} = 1`,
				`@request.auth.${text} = 1`,
				`@request.body.${text} = 1`,
				text,
			].map((filter) => list(filter, "guest", false)),
	},
	{
		name: "sort, fields and expand",
		probes: ({ text }) =>
			[
				`sort=${enc(text)}`,
				`sort=${enc(`-${text}`)}`,
				`sort=title,${enc(text)}`,
				`fields=${enc(text)}`,
				`fields=id,${enc(text)}`,
				`expand=${enc(text)}`,
				`expand=owner.${enc(text)}`,
			].map((query) => ({ method: "GET", url: `${POSTS}?${query}` })),
	},
	{
		name: "cursors",
		probes: ({ text }) => [
			{ method: "GET", url: `${POSTS}?cursor=${enc(text)}` },
			{
				method: "GET",
				url: `${POSTS}?cursor=${b64({ s: "id", v: [text] })}`,
				bound: true,
			},
			{
				method: "GET",
				url: `${POSTS}?sort=title&cursor=${b64({ s: "title,id", v: [text, text] })}`,
				bound: true,
			},
			{ method: "GET", url: `${POSTS}?cursor=${b64({ s: text, v: [text] })}` },
		],
	},
	{
		name: "collection names in URLs",
		probes: ({ text }) => {
			const c = `/api/v1/collections/${enc(text)}`;
			return [
				{ method: "GET", url: `${c}/records` },
				{ method: "POST", url: `${c}/records`, body: { title: "x" } },
				{
					method: "GET",
					url: `${c}/records/00000000-0000-7000-8000-000000000000`,
				},
				{ method: "GET", url: c, as: "superuser" },
				{
					method: "PATCH",
					url: c,
					as: "superuser",
					body: { rules: { list: "" } },
				},
				{ method: "DELETE", url: c, as: "superuser" },
				{ method: "GET", url: `${c}/history`, as: "superuser" },
				{ method: "GET", url: `${c}/explain`, as: "superuser" },
				{ method: "POST", url: `${c}/export`, as: "superuser" },
				{ method: "GET", url: `${c}/auth/methods` },
				{
					method: "POST",
					url: `${c}/auth/password`,
					body: { identity: "ann@example.com", password: "x" },
				},
			];
		},
	},
	{
		name: "ids in URLs",
		probes: ({ text }, ctx) => {
			const id = enc(text);
			const su = "superuser" as const;
			return [
				{ method: "GET", url: `${POSTS}/${id}`, bound: true },
				{ method: "PATCH", url: `${SCRATCH}/${id}`, body: { title: "x" } },
				{ method: "PUT", url: `${SCRATCH}/${id}`, body: { title: "x" } },
				{ method: "DELETE", url: `${SCRATCH}/${id}` },
				{
					method: "POST",
					url: `/api/v1/collections/users/impersonate/${id}`,
					as: su,
				},
				{
					method: "GET",
					url: `/api/v1/collections/users/records/${id}/external-auths`,
					as: su,
				},
				{ method: "GET", url: `/api/v1/api-keys/${id}`, as: su },
				{ method: "DELETE", url: `/api/v1/webhooks/${id}`, as: su },
				{ method: "GET", url: `/api/v1/jobs/${id}`, as: su },
				{ method: "GET", url: `/api/v1/oauth/clients/${id}`, as: su },
				{ method: "GET", url: `/api/v1/oauth2/providers/${id}`, as: su },
				{
					method: "POST",
					url: `/api/v1/webhooks/${ctx.webhookId}/deliveries/${id}/redeliver`,
					as: su,
				},
			];
		},
	},
	{
		name: "record field values",
		probes: ({ text }, ctx) => [
			{ method: "POST", url: SCRATCH, body: { title: text }, bound: true },
			{
				method: "POST",
				url: SCRATCH,
				body: { title: "a", body: text },
				bound: true,
			},
			{
				method: "POST",
				url: SCRATCH,
				body: { title: "a", meta: { [text]: [text] } },
				bound: true,
			},
			{ method: "POST", url: SCRATCH, body: { title: "a", tags: [text] } },
			{ method: "POST", url: SCRATCH, body: { title: "a", owner: text } },
			{ method: "POST", url: SCRATCH, body: { title: "a", [text]: "x" } },
			{
				method: "PATCH",
				url: `${SCRATCH}/${ctx.scratchId}`,
				body: { body: text },
				bound: true,
			},
			{
				method: "PUT",
				url: `${SCRATCH}/${ctx.scratchId}`,
				body: { title: "kept", body: text },
				bound: true,
			},
			{
				method: "POST",
				url: "/api/v1/batch",
				body: {
					requests: [
						{ method: "POST", url: SCRATCH, body: { title: text } },
						{
							method: "PATCH",
							url: `${SCRATCH}/${ctx.scratchId}`,
							body: { body: text },
						},
					],
				},
				bound: true,
			},
		],
	},
	{
		name: "Idempotency-Key and User-Agent headers",
		probes: ({ text }) => [
			{
				method: "POST",
				url: SCRATCH,
				body: { title: "idempotent" },
				headers: { "idempotency-key": headerValue(text) },
			},
			{
				method: "GET",
				url: POSTS,
				headers: {
					"user-agent": headerValue(text),
					"x-request-id": headerValue(text),
				},
			},
		],
	},
	{
		name: "collection definitions",
		probes: ({ text }) => {
			const su = "superuser" as const;
			const create = (definition: object): Probe[] => [
				{
					method: "POST",
					url: "/api/v1/collections",
					as: su,
					body: { name: "sqli_def", ...definition },
				},
				{ method: "DELETE", url: "/api/v1/collections/sqli_def", as: su },
			];
			return [
				...create({ name: text }),
				...create({ fields: [{ name: text, type: "text" }] }),
				...create({
					fields: [{ name: "a", type: "text" }],
					indexes: [{ fields: [text] }],
				}),
				...create({
					fields: [{ name: "a", type: "text" }],
					indexes: [{ name: text, fields: ["a"] }],
				}),
				...create({
					fields: [{ name: "a", type: "select", values: [text, "b"] }],
				}),
				...create({ fields: [{ name: "a", type: "text", pattern: text }] }),
				...create({
					fields: [{ name: "a", type: "relation", collection: text }],
				}),
				...create({
					fields: [{ name: "a", type: "text" }],
					rules: { list: `a = ${q(text)}` },
				}),
				...create({
					fields: [{ name: "a", type: "text" }],
					rules: { list: text },
				}),
				{
					method: "PATCH",
					url: "/api/v1/collections/posts",
					as: su,
					body: { indexes: [{ fields: [text] }] },
				},
			];
		},
	},
	{
		name: "rules text",
		probes: ({ text }) => [
			{
				method: "PATCH",
				url: "/api/v1/collections/scratch",
				as: "superuser",
				body: {
					rules: {
						list: `title != ${q(text)}`,
						view: `title != ${q(text)}`,
						create: `title != ${q(text)} && @request.body.title != ${q(text)}`,
						update: `body != ${q(text)} || @request.auth.id = ""`,
						delete: null,
					},
				},
			},
			{ method: "GET", url: SCRATCH, bound: true },
			{ method: "POST", url: SCRATCH, body: { title: "by rule" }, bound: true },
			{
				method: "PATCH",
				url: "/api/v1/collections/scratch",
				as: "superuser",
				body: {
					rules: openRules,
				},
			},
		],
	},
	{
		name: "sign-in, account and machine-access inputs",
		probes: ({ text }) => {
			const su = "superuser" as const;
			return [
				{
					method: "POST",
					url: "/api/v1/collections/users/auth/password",
					body: { identity: text, password: text },
				},
				{
					method: "POST",
					url: "/api/v1/superusers/auth/password",
					body: { identity: text, password: text },
				},
				{
					method: "POST",
					url: "/api/v1/collections/users/auth/confirm-password-reset",
					body: {
						token: text,
						password: "a long new password",
						passwordConfirm: "a long new password",
					},
				},
				{
					method: "POST",
					url: "/api/v1/auth/refresh",
					body: { refreshToken: text },
				},
				{
					method: "POST",
					url: "/api/v1/auth/oauth2/exchange",
					body: { code: text },
				},
				{
					method: "GET",
					url: `/api/v1/collections/users/auth/oauth2/github/callback?state=${enc(text)}&code=${enc(text)}`,
				},
				{
					method: "GET",
					url: `/api/v1/collections/users/auth/oauth2/github?redirect=${enc("https://app.example.com/done")}&appState=${enc(text)}`,
				},
				{
					method: "POST",
					url: "/api/v1/api-keys",
					as: "user",
					body: { name: text, scopes: ["records:read:posts"] },
					bound: true,
				},
				{
					method: "GET",
					url: `/api/v1/api-keys?ownerCollection=users&ownerId=${enc(text)}`,
					as: su,
				},
				{
					method: "GET",
					url: `/api/v1/api-keys?ownerCollection=${enc(text)}`,
					as: su,
				},
				{
					method: "POST",
					url: "/api/v1/oauth/clients",
					as: su,
					body: { name: text, scopes: ["records:read:posts"] },
					bound: true,
				},
				{
					method: "POST",
					url: "/api/v1/webhooks",
					as: su,
					body: { url: "http://127.0.0.1:9/x", events: [text] },
				},
				{ method: "GET", url: `/api/v1/jobs?queue=${enc(text)}`, as: su },
				{
					method: "GET",
					url: `/api/v1/logs?filter=${enc(`route = ${q(text)}`)}`,
					as: su,
					bound: true,
				},
				{
					method: "GET",
					url: `/api/v1/audit?filter=${enc(`action ~ ${q(text)}`)}`,
					as: su,
					bound: true,
				},
				{ method: "GET", url: `/api/v1/logs?sort=${enc(text)}`, as: su },
				{ method: "GET", url: `/api/v1/logs/stats?from=${enc(text)}`, as: su },
			];
		},
	},
];

/** An import file per payload: as a header, as a cell, and as NDJSON. */
export function importFiles(p: SqlPayload): { type: string; body: string }[] {
	return [
		{ type: "text/csv", body: `title,${csv(p.text)}\nx,y` },
		{ type: "text/csv", body: `title,body\n${csv(p.text)},${csv(p.text)}` },
		{ type: "application/x-ndjson", body: JSON.stringify({ title: p.text }) },
	];
}
