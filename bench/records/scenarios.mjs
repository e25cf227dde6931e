const RECORDS = "/api/v1/collections/items/records";
const LIST_CATEGORY = "c7";
const CREATE_BODY = JSON.stringify({
	title: "created by the benchmark",
	// A category no list reads, so creates do not change the list scenario's work.
	category: "created",
	score: 42,
});
const JSON_HEADERS = { "content-type": "application/json" };

/** The URL paths of one list and one view, for the same-answer check. */
export function samplePaths(id) {
	return {
		basalt: { list: basaltListPath(), view: `${RECORDS}/${id}` },
		bare: { list: bareListPath(), view: `/items/${id}` },
	};
}

function basaltListPath() {
	const filter = encodeURIComponent(`category="${LIST_CATEGORY}"`);
	return `${RECORDS}?filter=${filter}&perPage=30&skipTotal=1`;
}

function bareListPath() {
	return `/items?category=${LIST_CATEGORY}&perPage=30`;
}

/**
 * The three scenarios of bench/records/README.md, each as autocannon request lists
 * for Basalt and for the bare handler, with the goal ratio (Basalt req/s over bare
 * req/s).
 * Views cycle over real ids so they do not all hit one hot page of the B-tree.
 */
export function createScenarios(viewIds) {
	return [
		{
			name: "list",
			goal: 0.7,
			basalt: [{ method: "GET", path: basaltListPath() }],
			bare: [{ method: "GET", path: bareListPath() }],
		},
		{
			name: "view",
			goal: 0.7,
			basalt: viewIds.map((id) => ({
				method: "GET",
				path: `${RECORDS}/${id}`,
			})),
			bare: viewIds.map((id) => ({ method: "GET", path: `/items/${id}` })),
		},
		{
			name: "create",
			goal: 0.5,
			basalt: [createRequest(RECORDS)],
			bare: [createRequest("/items")],
		},
	];
}

function createRequest(path) {
	return { method: "POST", path, headers: JSON_HEADERS, body: CREATE_BODY };
}
