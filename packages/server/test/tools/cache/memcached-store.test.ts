import { randomBytes } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CacheStore } from "../../../src/tools/cache/index.js";
import { createMemcachedCacheStore } from "../../../src/tools/cache/memcached-store.js";
import {
	findMemcached,
	type MemcachedServer,
	startMemcached,
} from "../../helpers/memcached-server.js";
import { cacheStoreContract, sharedStoreContract } from "./cache-contract.js";

// Locally a missing memcached skips these suites; under CI=true it throws.
const memcachedBin = findMemcached();

(memcachedBin ? describe : describe.skip)("memcached cache store", () => {
	let servers: MemcachedServer[] = [];
	const stores = new Set<CacheStore>();
	beforeAll(async () => {
		servers = await Promise.all([
			startMemcached(memcachedBin as string),
			startMemcached(memcachedBin as string),
		]);
	});
	afterAll(async () => {
		await Promise.all([...stores].map((s) => s.close()));
		await Promise.all(servers.map((s) => s.stop()));
	});
	function storeOn(addresses: string[], prefix: string): CacheStore {
		const store = createMemcachedCacheStore({ servers: addresses, prefix });
		stores.add(store);
		return store;
	}
	// Peers are separate clients over both servers (keys spread by hash), as separate
	// nodes would be, sharing a prefix of their own.
	async function open(peers: number) {
		const prefix = `t${randomBytes(5).toString("hex")}:`;
		const opened = Array.from({ length: peers }, () =>
			storeOn(
				servers.map((s) => s.address),
				prefix,
			),
		);
		return {
			stores: opened,
			async cleanup() {
				for (const s of opened) stores.delete(s);
				await Promise.all(opened.map((s) => s.close()));
			},
		};
	}
	cacheStoreContract("memcached", open);
	sharedStoreContract("memcached", open);

	it("rejects while its server is down, and works again once it is back", async () => {
		const server = await startMemcached(memcachedBin as string);
		servers.push(server);
		const warnings: string[] = [];
		const store = createMemcachedCacheStore({
			servers: [server.address],
			timeoutMs: 300,
			onWarning: (m) => warnings.push(m),
		});
		stores.add(store);
		await store.set("k", "v", 60_000);
		await server.stop();
		await expect(store.getMany(["k"])).rejects.toThrow();
		await expect(store.set("k", "w", 60_000)).rejects.toThrow();
		const again = await startMemcached(memcachedBin as string, server.port);
		servers.push(again);
		// A restarted Memcached starts empty: the old entry is gone, new ones are kept.
		let value: (string | undefined)[] = [];
		for (let i = 0; i < 20; i++) {
			try {
				await store.set("k", "after", 60_000);
				value = await store.getMany(["k"]);
				break;
			} catch {
				await new Promise((r) => setTimeout(r, 100));
			}
		}
		expect(value).toEqual(["after"]);
	});

	it("fails a command within its timeout when the server hangs up without answering", async () => {
		// What a Memcached stopped mid-command does: it reads the request and closes
		// the connection. memjs alone would leave the command pending forever, and
		// this test would time out.
		const sockets = new Set<Socket>();
		const hangUp = createServer((socket) => {
			sockets.add(socket);
			socket.once("data", () => socket.end());
		});
		await new Promise<void>((resolve) =>
			hangUp.listen(0, "127.0.0.1", resolve),
		);
		const { port } = hangUp.address() as { port: number };
		const store = createMemcachedCacheStore({
			servers: [`127.0.0.1:${port}`],
			timeoutMs: 200,
		});
		stores.add(store);
		try {
			const outcomes = await Promise.allSettled([
				store.getMany(["a", "b"]),
				store.set("k", "v", 60_000),
				store.add("k", "v", 60_000),
				store.delete("k"),
			]);
			expect(outcomes.map((o) => o.status)).toEqual([
				"rejected",
				"rejected",
				"rejected",
				"rejected",
			]);
		} finally {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => hangUp.close(resolve));
		}
	});
});
