/**
 * Where the MessagePack library comes from.
 *
 * The pages load plain ES modules without a bundler or an import map, and the same modules
 * run under Node for the tests, so the one environment-specific detail lives here:
 *
 * - in the browser (pages and workers) the library is the ES module build of
 *   `@msgpack/msgpack`, served by the vendor route at `/vendor/msgpack/index.mjs`;
 * - under Node the very same files are imported from `web/node_modules`.
 *
 * Both resolve to `@msgpack/msgpack/dist.esm/index.mjs` at the version pinned in
 * `web/package.json`. `protocol.js` relies on that exact build (see `StrictDecoder` there);
 * it checks at load time that it still behaves as expected.
 *
 * @module msgpack-loader
 */

const inNode = Boolean(/** @type {any} */ (globalThis).process?.versions?.node);

const LIBRARY_URL = inNode
  ? new URL("../../node_modules/@msgpack/msgpack/dist.esm/index.mjs", import.meta.url).href
  : "/vendor/msgpack/index.mjs";

const msgpack = await import(LIBRARY_URL);

export const { Encoder, Decoder, DecodeError, ExtensionCodec } = msgpack;
