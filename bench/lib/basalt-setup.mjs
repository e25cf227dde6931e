/** The collection the benchmark reads and writes; open rules, so guests are measured. */
const ITEMS = {
	name: "items",
	fields: [
		{ name: "title", type: "text" },
		{ name: "category", type: "text" },
		{ name: "score", type: "number" },
	],
	// `score` is the sorted list's (bench/records): its plain index ends in id, so the
	// page's order is read from it.
	indexes: [{ fields: ["category"] }, { fields: ["score"] }],
	rules: { list: "", view: "", create: "", update: null, delete: null },
};

/**
 * Sends a JSON request and returns the parsed answer (undefined for an empty body);
 * any non-2xx status throws.
 */
export async function requestJson(url, { method = "GET", token, body } = {}) {
	const headers = { "content-type": "application/json" };
	if (token) headers.authorization = `Bearer ${token}`;
	const response = await fetch(url, {
		method,
		headers,
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	if (!response.ok)
		throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
	return text === "" ? undefined : JSON.parse(text);
}

/** Signs in as the superuser; returns the access token. */
export async function superuserToken(baseUrl, superuser) {
	const { token } = await requestJson(
		`${baseUrl}/api/v1/superusers/auth/password`,
		{
			method: "POST",
			body: { identity: superuser.email, password: superuser.password },
		},
	);
	return token;
}

/** Signs in as the superuser and creates the `items` collection with its index. */
export async function createItemsCollection(baseUrl, superuser) {
	await requestJson(`${baseUrl}/api/v1/collections`, {
		method: "POST",
		token: await superuserToken(baseUrl, superuser),
		body: ITEMS,
	});
}

/**
 * Checks that Basalt and the bare handler return the same rows for the list and the
 * view, so the benchmark compares equal work and not, say, an empty page with a full one.
 */
export async function assertSameAnswers(basaltUrl, bareUrl, paths) {
	const idsOf = (page) => page.items.map((item) => item.id).join(",");
	for (const which of Object.keys(paths.basalt.lists)) {
		const basaltList = await requestJson(
			`${basaltUrl}${paths.basalt.lists[which]}`,
		);
		const bareList = await requestJson(`${bareUrl}${paths.bare.lists[which]}`);
		if (basaltList.items.length !== 30 || idsOf(basaltList) !== idsOf(bareList))
			throw new Error(
				`Basalt and the bare handler list different records (${which})`,
			);
	}
	const basaltView = await requestJson(`${basaltUrl}${paths.basalt.view}`);
	const bareView = await requestJson(`${bareUrl}${paths.bare.view}`);
	if (basaltView.id !== bareView.id || basaltView.title !== bareView.title)
		throw new Error("Basalt and the bare handler view different records");
}
