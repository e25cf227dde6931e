const RECORDS = "/api/v1/collections/items/records";
const LIST_CATEGORY = "c7";
/** The sorted list reads the lowest scores above this one (scores run 0-999). */
const MIN_SCORE = 500;
const CREATE_BODY = JSON.stringify({
	title: "created by the benchmark",
	// A category and a score no list reads, so creates do not change the lists' work.
	category: "created",
	score: 42,
});
const JSON_HEADERS = { "content-type": "application/json" };

/** The URL paths of each list and one view, for the same-answer check. */
export function samplePaths(id) {
	return {
		basalt: {
			lists: { sorted: basaltSortedPath(), category: basaltCategoryPath() },
			view: `${RECORDS}/${id}`,
		},
		bare: {
			lists: { sorted: bareSortedPath(), category: bareCategoryPath() },
			view: `/items/${id}`,
		},
	};
}

function basaltSortedPath() {
	const filter = encodeURIComponent(`score>${MIN_SCORE}`);
	return `${RECORDS}?filter=${filter}&sort=score&perPage=30&skipTotal=1`;
}

function bareSortedPath() {
	return `/items/sorted?minScore=${MIN_SCORE}&perPage=30`;
}

function basaltCategoryPath() {
	const filter = encodeURIComponent(`category="${LIST_CATEGORY}"`);
	return `${RECORDS}?filter=${filter}&perPage=30&skipTotal=1`;
}

function bareCategoryPath() {
	return `/items?category=${LIST_CATEGORY}&perPage=30`;
}

/**
 * The scenarios of bench/records/README.md, each as autocannon request lists for
 * Basalt and for the bare handler, with the goal ratio (Basalt req/s over bare
 * req/s). Views cycle over real ids so they do not all hit one hot page of the B-tree.
 */
export function createScenarios(viewIds) {
	return [
		{
			name: "list, filtered and sorted",
			goal: 0.7,
			basalt: [{ method: "GET", path: basaltSortedPath() }],
			bare: [{ method: "GET", path: bareSortedPath() }],
		},
		{
			name: "list by category",
			goal: 0.7,
			basalt: [{ method: "GET", path: basaltCategoryPath() }],
			bare: [{ method: "GET", path: bareCategoryPath() }],
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
			goal: 0.7,
			basalt: [createRequest(RECORDS)],
			bare: [createRequest("/items")],
		},
	];
}

function createRequest(path) {
	return { method: "POST", path, headers: JSON_HEADERS, body: CREATE_BODY };
}
