// The bidder's machine in the browser: key files, sealing and opening of envelopes (docs/sealed-bids.md, v1).
//
// Plain ES2020, no libraries, no build step. Only the `x25519-aes256gcm` suite is implemented here; the GM
// suite is CLI-only. Everything uses WebCrypto except SHA-256 over large inputs: crypto.subtle.digest is
// one-shot, and a 200 MB bid must not be held in memory twice just to hash it. So inputs up to NATIVE_DIGEST
// bytes are hashed natively (one bounded buffer), larger ones by the small incremental SHA-256 below (about
// a seventh of native speed; checked against hashlib in tests/web/test_sealing_interop.py).
//
// Private keys never leave this file's functions except inside an encrypted key file: nothing here calls
// fetch; the pages decide what to send, and they only ever send public keys, signatures, envelopes and
// (at the opening) a data key.
(function () {
  "use strict";

  const subtle = globalThis.crypto.subtle;
  const SUITE = "x25519-aes256gcm";
  const ENV_MAGIC = "GGZYENV1";
  const PKG_MAGIC = "GGZYPKG1";
  const KEYFILE_AAD = "ggzy-keyfile-v1";
  const WRAP_INFO = "ggzy-envelope-v1 wrap";
  const SHARE_INFO = "ggzy-share-v1 wrap";
  const DEFAULT_ITERATIONS = 600000;
  const MIN_ITERATIONS = 10000;
  const MAX_ITERATIONS = 10000000;
  const DEFAULT_CHUNK = 1 << 20;
  const MIN_CHUNK = 65536;
  const MAX_CHUNK = 4194304;
  const MAX_HEADER = 65536;
  const MAX_MANIFEST = 1 << 20;
  const FINAL_BIT = 0x80000000;
  let NATIVE_DIGEST = 64 << 20; // hash natively (whole in memory) up to this size, incrementally above it

  // ---------------------------------------------------------------- errors (codes match ggzy.sealing.errors)

  class SealingError extends Error {
    constructor(code, check, reason) {
      super(code + " [" + check + "]" + (reason ? ": " + reason : ""));
      this.name = "SealingError";
      this.code = code;
      this.check = check;
      this.reason = reason || "";
    }
  }
  const malformed = (check, reason) => new SealingError("bid.envelope_malformed", check, reason);
  const authFailed = (check, reason) => new SealingError("bid.decrypt_failed", check, reason);
  const pkgInvalid = (check, reason) => new SealingError("bid.package_invalid", check, reason);
  const keyfileInvalid = (check, reason) => new SealingError("keys.keyfile_invalid", check, reason);

  // ---------------------------------------------------------------- bytes

  const te = new TextEncoder();
  const td = new TextDecoder("utf-8", { fatal: true });
  const utf8 = (s) => te.encode(s);
  const fromUtf8 = (b) => td.decode(b);

  function u8(x) {
    if (x instanceof Uint8Array) return x;
    if (x instanceof ArrayBuffer) return new Uint8Array(x);
    if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    throw new TypeError("expected bytes");
  }

  function concat(...parts) {
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let off = 0;
    for (const p of parts) { out.set(p, off); off += p.length; }
    return out;
  }

  function equalBytes(a, b) {
    if (a.length !== b.length) return false;
    let d = 0;
    for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
    return d === 0;
  }

  function hex(bytes) {
    let s = "";
    for (const b of u8(bytes)) s += (b < 16 ? "0" : "") + b.toString(16);
    return s;
  }

  function b64e(bytes) {
    const b = u8(bytes);
    let s = "";
    for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
    return btoa(s);
  }

  // Strict like ggzy.sealing.codec.b64d: standard alphabet, padding, canonical spelling only.
  function b64d(text) {
    if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
      throw new TypeError("not base64");
    }
    const bin = atob(text);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    if (b64e(out) !== text) throw new TypeError("not canonical base64");
    return out;
  }

  function u32be(n) { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, n >>> 0); return b; }
  function u16be(n) { const b = new Uint8Array(2); new DataView(b.buffer).setUint16(0, n); return b; }
  const readU32 = (b, off) => new DataView(b.buffer, b.byteOffset + off, 4).getUint32(0);
  const readU16 = (b, off) => new DataView(b.buffer, b.byteOffset + off, 2).getUint16(0);

  function randomBytes(n) { return globalThis.crypto.getRandomValues(new Uint8Array(n)); }

  // ---------------------------------------------------------------- canonical JSON

  // Python sorts keys by code point; JS's default sort compares UTF-16 units, which differs only above U+FFFF.
  function cmpCodePoints(a, b) {
    const x = Array.from(a), y = Array.from(b);
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d) return d;
    }
    return x.length - y.length;
  }

  function sortDeep(v) {
    if (typeof v === "number" && !Number.isSafeInteger(v)) throw new TypeError("only integers in canonical JSON");
    if (Array.isArray(v)) return v.map(sortDeep);
    if (v && typeof v === "object") {
      const out = {};
      for (const k of Object.keys(v).sort(cmpCodePoints)) if (v[k] !== undefined) out[k] = sortDeep(v[k]);
      return out;
    }
    return v;
  }

  /** The same bytes as Python's json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False). */
  function canonicalJSON(obj) { return utf8(JSON.stringify(sortDeep(obj))); }

  // ---------------------------------------------------------------- SHA-256 (incremental)

  // Int32Array, not Uint32Array: values above 2^31 would be read back as doubles and slow every round.
  const K256 = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  class Sha256 {
    constructor() {
      this.h = new Int32Array([
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
      ]);
      this.w = new Int32Array(64);
      this.buf = new Uint8Array(64);
      this.bufLen = 0;
      this.length = 0; // bytes; a double is exact up to 2^53
    }

    update(data) {
      const d = u8(data);
      const n = d.length;
      let pos = 0;
      this.length += n;
      if (this.bufLen) {
        const take = Math.min(64 - this.bufLen, n);
        this.buf.set(d.subarray(0, take), this.bufLen);
        this.bufLen += take;
        pos = take;
        if (this.bufLen < 64) return this;
        this._blocks(this.buf, 0, 64);
        this.bufLen = 0;
      }
      const whole = (n - pos) & ~63;
      if (whole) { this._blocks(d, pos, pos + whole); pos += whole; }
      if (pos < n) { this.buf.set(d.subarray(pos), 0); this.bufLen = n - pos; }
      return this;
    }

    _blocks(p, start, end) {
      const w = this.w, h = this.h;
      let h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4], h5 = h[5], h6 = h[6], h7 = h[7];
      for (let off = start; off < end; off += 64) {
        for (let i = 0; i < 16; i++) {
          const j = off + (i << 2);
          w[i] = (p[j] << 24) | (p[j + 1] << 16) | (p[j + 2] << 8) | p[j + 3];
        }
        for (let i = 16; i < 64; i++) {
          const x = w[i - 15] | 0, y = w[i - 2] | 0;
          const s0 = (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) | 0;
          const s1 = (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) | 0;
          w[i] = ((((w[i - 16] | 0) + s0) | 0) + (((w[i - 7] | 0) + s1) | 0)) | 0;
        }
        let a = h0, b = h1, c = h2, dd = h3, e = h4, f = h5, g = h6, hh = h7;
        for (let i = 0; i < 64; i++) {
          // Every sum is folded to int32 at once so the JIT keeps all of it in integer registers.
          const S1 = (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) | 0;
          const ch = ((e & f) ^ (~e & g)) | 0;
          const t1 = (((((hh + S1) | 0) + ch) | 0) + (((K256[i] | 0) + (w[i] | 0)) | 0)) | 0;
          const S0 = (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) | 0;
          const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
          hh = g; g = f; f = e; e = (dd + t1) | 0; dd = c; c = b; b = a; a = (t1 + t2) | 0;
        }
        h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + dd) | 0;
        h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + hh) | 0;
      }
      h[0] = h0; h[1] = h1; h[2] = h2; h[3] = h3; h[4] = h4; h[5] = h5; h[6] = h6; h[7] = h7;
    }

    digest() {
      const bits = this.length * 8;
      const tail = new Uint8Array(this.bufLen < 56 ? 64 : 128);
      tail.set(this.buf.subarray(0, this.bufLen));
      tail[this.bufLen] = 0x80;
      const dv = new DataView(tail.buffer);
      dv.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
      dv.setUint32(tail.length - 4, bits >>> 0);
      this._blocks(tail, 0, tail.length);
      const out = new Uint8Array(32);
      const ov = new DataView(out.buffer);
      for (let i = 0; i < 8; i++) ov.setUint32(i * 4, this.h[i]);
      this.bufLen = 0;
      return out;
    }

    hexdigest() { return hex(this.digest()); }
  }

  async function sha256(bytes) { return new Uint8Array(await subtle.digest("SHA-256", u8(bytes))); }
  async function keyId(rawPublic) { return hex(await sha256(rawPublic)).slice(0, 32); }

  // ---------------------------------------------------------------- symmetric helpers

  async function aesKey(raw, usages) {
    return subtle.importKey("raw", u8(raw), { name: "AES-GCM" }, false, usages || ["encrypt", "decrypt"]);
  }
  async function gcmEncrypt(key, nonce, data, aad) {
    return new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, data));
  }
  async function gcmDecrypt(key, nonce, data, aad) {
    return new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, data));
  }

  async function hkdf32(ikm, salt, info) {
    const base = await subtle.importKey("raw", u8(ikm), "HKDF", false, ["deriveBits"]);
    return new Uint8Array(await subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, base, 256));
  }

  async function pbkdf2(passphrase, salt, iterations) {
    const base = await subtle.importKey("raw", utf8(passphrase), "PBKDF2", false, ["deriveBits"]);
    return new Uint8Array(await subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, base, 256));
  }

  // ---------------------------------------------------------------- keys

  const importEncPrivate = (pkcs8) => subtle.importKey("pkcs8", u8(pkcs8), { name: "X25519" }, false, ["deriveBits"]);
  const importSignPrivate = (pkcs8) => subtle.importKey("pkcs8", u8(pkcs8), { name: "Ed25519" }, false, ["sign"]);
  const importEncPublic = (raw) => subtle.importKey("raw", u8(raw), { name: "X25519" }, true, []);
  const importSignPublic = (raw) => subtle.importKey("raw", u8(raw), { name: "Ed25519" }, true, ["verify"]);

  async function _finishKeySet(encPrivate, encPublic, signPrivate, signPublic) {
    return {
      suite: SUITE,
      encPrivate, encPublic, signPrivate, signPublic,
      encKeyId: await keyId(encPublic),
      signKeyId: await keyId(signPublic),
    };
  }

  /** A fresh key set: {suite, encPrivate, signPrivate (PKCS#8 bytes), encPublic, signPublic (raw), key ids}. */
  async function generateKeySet() {
    const enc = await subtle.generateKey({ name: "X25519" }, true, ["deriveBits"]);
    const sig = await subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
    return _finishKeySet(
      new Uint8Array(await subtle.exportKey("pkcs8", enc.privateKey)),
      new Uint8Array(await subtle.exportKey("raw", enc.publicKey)),
      new Uint8Array(await subtle.exportKey("pkcs8", sig.privateKey)),
      new Uint8Array(await subtle.exportKey("raw", sig.publicKey)),
    );
  }

  /** The public part a page may register: b64 raw keys and their ids. */
  function publicDoc(ks) {
    return { suite: ks.suite, enc: b64e(ks.encPublic), sign: b64e(ks.signPublic),
      enc_key_id: ks.encKeyId, sign_key_id: ks.signKeyId };
  }

  async function sign(ks, message) {
    const key = await importSignPrivate(ks.signPrivate);
    return new Uint8Array(await subtle.sign({ name: "Ed25519" }, key, u8(message)));
  }

  async function verifySignature(signPublic, message, signature) {
    try {
      const key = await importSignPublic(signPublic);
      return await subtle.verify({ name: "Ed25519" }, key, u8(signature), u8(message));
    } catch (e) {
      return false;
    }
  }

  /** Proof of possession for registration: Ed25519 over canonical {"org_id","enc_public","sign_public","purpose"}. */
  async function proofOfPossession(ks, orgId) {
    const msg = canonicalJSON({ org_id: orgId, enc_public: b64e(ks.encPublic), sign_public: b64e(ks.signPublic),
      purpose: "ggzy-keyset-v1" });
    return b64e(await sign(ks, msg));
  }

  /** The passphrase-protected key file document (a plain object; JSON.stringify it to save). */
  async function writeKeyFile(ks, passphrase, opts) {
    const o = opts || {};
    const iterations = o.iterations === undefined ? DEFAULT_ITERATIONS : o.iterations;
    if (!passphrase) throw new SealingError("keys.bad_passphrase", "empty", "the passphrase must not be empty");
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw keyfileInvalid("kdf", "iterations out of range");
    }
    if (typeof o.orgId !== "string" || !o.orgId) throw keyfileInvalid("org_id", "orgId is required");
    const salt = randomBytes(16);
    const nonce = randomBytes(12);
    const secret = canonicalJSON({ enc: b64e(ks.encPrivate), sign: b64e(ks.signPrivate) });
    const kek = await aesKey(await pbkdf2(passphrase, salt, iterations), ["encrypt"]);
    const ct = await gcmEncrypt(kek, nonce, secret, utf8(KEYFILE_AAD));
    secret.fill(0);
    return {
      format: "ggzy-keyfile", version: 1, suite: ks.suite, org_id: o.orgId,
      created_at: (o.now || new Date()).toISOString(),
      public: { enc: b64e(ks.encPublic), sign: b64e(ks.signPublic), enc_key_id: ks.encKeyId, sign_key_id: ks.signKeyId },
      kdf: { alg: "pbkdf2-sha256", iterations, salt: b64e(salt) },
      cipher: { alg: "aes-256-gcm", nonce: b64e(nonce), ciphertext: b64e(ct) },
    };
  }

  function _field(obj, name, type, check) {
    if (!obj || typeof obj !== "object" || !(name in obj)) throw keyfileInvalid(check, "missing " + name);
    const v = obj[name];
    const ok = type === "int" ? Number.isInteger(v) : type === "object" ? v && typeof v === "object" && !Array.isArray(v)
      : typeof v === type;
    if (!ok) throw keyfileInvalid(check, name + " has the wrong type");
    return v;
  }

  function _b64field(obj, name, check, length) {
    let raw;
    try { raw = b64d(_field(obj, name, "string", check)); } catch (e) {
      if (e instanceof SealingError) throw e;
      throw keyfileInvalid(check, name + ": " + e.message);
    }
    if (length !== undefined && raw.length !== length) throw keyfileInvalid(check, name + " must be " + length + " bytes");
    return raw;
  }

  /** The public part of a key file without the passphrase: {suite, orgId, encPublic, signPublic, key ids}. */
  async function readKeyFilePublic(docOrText) {
    let doc = docOrText;
    if (typeof doc === "string") {
      try { doc = JSON.parse(doc); } catch (e) { throw keyfileInvalid("format", "not JSON"); }
    }
    if (_field(doc, "format", "string", "format") !== "ggzy-keyfile" || _field(doc, "version", "int", "format") !== 1) {
      throw keyfileInvalid("format", "not a ggzy key file (format/version)");
    }
    const suite = _field(doc, "suite", "string", "suite");
    if (suite !== SUITE) throw keyfileInvalid("suite", "the browser supports only " + SUITE + " (GM keys: use the CLI)");
    const pub = _field(doc, "public", "object", "public");
    const encPublic = _b64field(pub, "enc", "public", 32);
    const signPublic = _b64field(pub, "sign", "public", 32);
    const encKeyId = await keyId(encPublic), signKeyId = await keyId(signPublic);
    if (pub.enc_key_id !== encKeyId || pub.sign_key_id !== signKeyId) {
      throw keyfileInvalid("public", "key ids do not match the public keys");
    }
    return { doc, suite, orgId: typeof doc.org_id === "string" ? doc.org_id : "", encPublic, signPublic, encKeyId, signKeyId };
  }

  /** Decrypt a key file (object or JSON text) with its passphrase; checks the private halves match the public. */
  async function readKeyFile(docOrText, passphrase) {
    const p = await readKeyFilePublic(docOrText);
    const doc = p.doc;
    const kdf = _field(doc, "kdf", "object", "kdf");
    if (_field(kdf, "alg", "string", "kdf") !== "pbkdf2-sha256") throw keyfileInvalid("kdf", "kdf.alg must be pbkdf2-sha256");
    const iterations = _field(kdf, "iterations", "int", "kdf");
    if (iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) throw keyfileInvalid("kdf", "iterations out of range");
    const salt = _b64field(kdf, "salt", "kdf", 16);
    const cipher = _field(doc, "cipher", "object", "cipher");
    if (_field(cipher, "alg", "string", "cipher") !== "aes-256-gcm") throw keyfileInvalid("cipher", "cipher.alg must be aes-256-gcm");
    const nonce = _b64field(cipher, "nonce", "cipher", 12);
    const ct = _b64field(cipher, "ciphertext", "cipher");
    const kek = await aesKey(await pbkdf2(passphrase || "", salt, iterations), ["decrypt"]);
    let plain;
    try { plain = await gcmDecrypt(kek, nonce, ct, utf8(KEYFILE_AAD)); } catch (e) {
      // A wrong passphrase and an edited file look the same by design; the passphrase is far likelier.
      throw new SealingError("keys.bad_passphrase", "passphrase", "");
    }
    let secret;
    try { secret = JSON.parse(fromUtf8(plain)); } catch (e) { throw keyfileInvalid("cipher", "decrypted content is not JSON"); }
    plain.fill(0);
    const encPrivate = _b64field(secret, "enc", "cipher"), signPrivate = _b64field(secret, "sign", "cipher");
    const ks = await _finishKeySet(encPrivate, p.encPublic, signPrivate, p.signPublic);
    ks.orgId = p.orgId;
    await _selfTest(ks);
    return ks;
  }

  // A mixed-up or damaged file must fail here, at home, not at the opening.
  async function _selfTest(ks) {
    const probe = randomBytes(32);
    let ok;
    try {
      const sig = await sign(ks, probe);
      const entry = await wrapSecret(ks.encPublic, probe, "ggzy-keyfile-v1 self-test");
      const back = await unwrapSecret(entry, ks, "ggzy-keyfile-v1 self-test");
      ok = (await verifySignature(ks.signPublic, probe, sig)) && equalBytes(back, probe);
    } catch (e) {
      throw keyfileInvalid("keys", "private keys unusable: " + (e && e.name));
    }
    if (!ok) throw keyfileInvalid("keys", "private keys do not match the public keys");
  }

  // ---------------------------------------------------------------- wrap / unwrap

  /** Encrypt `secret` to a recipient's raw X25519 public key: {epk, wrapped} (b64). */
  async function wrapSecret(recipientPublic, secret, info) {
    const rpk = u8(recipientPublic);
    if (rpk.length !== 32) throw new TypeError("recipient public key must be 32 bytes");
    const eph = await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
    const epk = new Uint8Array(await subtle.exportKey("raw", eph.publicKey));
    const shared = await subtle.deriveBits({ name: "X25519", public: await importEncPublic(rpk) }, eph.privateKey, 256);
    const kek = await aesKey(await hkdf32(shared, concat(epk, rpk), utf8(info)), ["encrypt"]);
    // A fresh ephemeral key gives a fresh kek per message, so the fixed zero nonce is never reused.
    const wrapped = await gcmEncrypt(kek, new Uint8Array(12), u8(secret), utf8(info));
    return { epk: b64e(epk), wrapped: b64e(wrapped) };
  }

  /** The inverse of wrapSecret with a key set ({encPrivate, encPublic}). */
  async function unwrapSecret(entry, ks, info) {
    let epk, wrapped;
    try { epk = b64d(entry.epk); wrapped = b64d(entry.wrapped); } catch (e) { throw malformed("recipients", "bad b64"); }
    if (epk.length !== 32) throw malformed("recipients", "epk must be 32 bytes");
    const esk = await importEncPrivate(ks.encPrivate);
    let shared;
    try {
      shared = await subtle.deriveBits({ name: "X25519", public: await importEncPublic(epk) }, esk, 256);
    } catch (e) {
      throw authFailed("unwrap", "X25519 failed");
    }
    const kek = await aesKey(await hkdf32(shared, concat(epk, u8(ks.encPublic)), utf8(info)), ["decrypt"]);
    try { return await gcmDecrypt(kek, new Uint8Array(12), wrapped, utf8(info)); } catch (e) {
      throw authFailed("unwrap", "wrong key or altered recipient entry");
    }
  }

  /** The envelope's data key for `role` ("bidder" or "rescue"), unwrapped with a key set from readKeyFile. */
  async function unwrapDataKey(header, ks, role) {
    const want = role || "bidder";
    const entry = (header.recipients || []).find((r) => r && r.role === want);
    if (!entry) throw malformed("recipients", "no " + want + " recipient");
    if (entry.key_id !== ks.encKeyId) {
      throw authFailed("key_id", "the envelope was sealed to key " + entry.key_id + ", this key file holds " + ks.encKeyId);
    }
    const key = await unwrapSecret(entry, ks, WRAP_INFO);
    if (key.length !== 32) throw authFailed("unwrap", "data key must be 32 bytes");
    return key;
  }

  // ---------------------------------------------------------------- package + envelope (sealing)

  const PIECE = 1 << 20; // how much of a file is read at once (Blob.slice), independent of the chunk size

  async function* readBlob(blob, piece) {
    const step = piece || PIECE;
    for (let off = 0; off < blob.size; off += step) {
      yield new Uint8Array(await blob.slice(off, Math.min(off + step, blob.size)).arrayBuffer());
    }
  }

  /** Hex SHA-256 of a Blob: natively when it fits NATIVE_DIGEST, else streamed through Sha256 in 1 MiB pieces. */
  async function digestBlob(blob, onBytes) {
    if (blob.size <= NATIVE_DIGEST) {
      const digest = hex(await sha256(await blob.arrayBuffer()));
      if (onBytes) onBytes(blob.size);
      return digest;
    }
    const h = new Sha256();
    for await (const piece of readBlob(blob)) { h.update(piece); if (onBytes) onBytes(piece.length); }
    return h.hexdigest();
  }

  function _fileEntry(f) {
    // A File (from an <input>) or {name, blob} / {name, data: Uint8Array} from scripts and tests.
    if (typeof File !== "undefined" && f instanceof File) return { name: f.name, blob: f };
    if (f && typeof f.name === "string" && f.blob instanceof Blob) return { name: f.name, blob: f.blob };
    if (f && typeof f.name === "string" && f.data !== undefined) return { name: f.name, blob: new Blob([u8(f.data)]) };
    throw new TypeError("a file must be a File or {name, blob|data}");
  }

  function _checkChunkSize(cs) {
    return Number.isInteger(cs) && cs >= MIN_CHUNK && cs <= MAX_CHUNK && (cs & (cs - 1)) === 0;
  }

  /**
   * Seal one lot's bid. opts: {keys (from readKeyFile/generateKeySet), tenderId, lotId, bidderOrgId, sheet,
   * files: [File | {name, blob|data}], rescue: {key_id, public (b64)} | null, chunkSize, onProgress(stage, done, total)}.
   * Returns {blob (the envelope, a Blob of the records), sha256 (hex of the envelope), size, header, headerBytes}.
   */
  async function sealBid(opts) {
    const ks = opts.keys;
    const chunkSize = opts.chunkSize || DEFAULT_CHUNK;
    if (!_checkChunkSize(chunkSize)) throw new RangeError("chunk size must be a power of two in [64 KiB, 4 MiB]");
    const progress = opts.onProgress || (() => {});
    const files = (opts.files || []).map(_fileEntry);
    const fileBytes = files.reduce((n, f) => n + f.blob.size, 0);
    const names = new Set();
    for (const f of files) {
      if (!validFileName(f.name)) throw pkgInvalid("manifest", "bad file name " + JSON.stringify(f.name));
      if (names.has(f.name)) throw pkgInvalid("manifest", "duplicate file name " + JSON.stringify(f.name));
      names.add(f.name);
    }

    // Pass 1: file digests (the manifest, which is signed, precedes the files).
    let hashed = 0;
    const listed = [];
    for (const f of files) {
      const digest = await digestBlob(f.blob, (n) => { hashed += n; progress("digest", hashed, fileBytes); });
      listed.push({ name: f.name, size: f.blob.size, digest });
    }
    const manifest = canonicalJSON({
      format: "ggzy-bid", version: 1, tender_id: opts.tenderId, lot_id: opts.lotId, bidder_org_id: opts.bidderOrgId,
      signing_key_id: ks.signKeyId, suite: SUITE, sheet: opts.sheet, files: listed,
    });
    if (manifest.length > MAX_MANIFEST) throw pkgInvalid("manifest", "manifest over 1 MiB");
    const signature = await sign(ks, manifest);
    const prefix = concat(utf8(PKG_MAGIC), u32be(manifest.length), manifest, u16be(signature.length), signature);

    // The header: a fresh data key wrapped to the bidder's own key and, only with a rescue plan, the rescue key.
    const dataKey = randomBytes(32);
    const recipients = [{ role: "bidder", key_id: ks.encKeyId, ...(await wrapSecret(ks.encPublic, dataKey, WRAP_INFO)) }];
    if (opts.rescue) {
      const rpk = b64d(opts.rescue.public);
      if ((await keyId(rpk)) !== opts.rescue.key_id) throw new Error("rescue key id does not match its public key");
      recipients.push({ role: "rescue", key_id: opts.rescue.key_id, ...(await wrapSecret(rpk, dataKey, WRAP_INFO)) });
    }
    const noncePrefix = randomBytes(7);
    const header = {
      format: "ggzy-envelope", version: 1, suite: SUITE, tender_id: opts.tenderId, lot_id: opts.lotId,
      bidder_org_id: opts.bidderOrgId, chunk_size: chunkSize, nonce_prefix: b64e(noncePrefix), recipients,
    };
    const headerBytes = canonicalJSON(header);
    if (headerBytes.length > MAX_HEADER) throw malformed("header", "header over 64 KiB");
    const aad = await sha256(headerBytes);
    const key = await aesKey(dataKey, ["encrypt"]);
    dataKey.fill(0);

    // Records are folded into a Blob every 16 MiB: the browser's blob store holds them (and may page them to
    // disk), so the envelope never sits in memory twice as JS arrays plus a Blob.
    let acc = new Blob([]);
    let parts = [], partBytes = 0, size = 0;
    const out = (bytes) => {
      parts.push(bytes); partBytes += bytes.length; size += bytes.length;
      if (partBytes >= 16 << 20) { acc = new Blob([acc, ...parts]); parts = []; partBytes = 0; }
    };
    out(concat(utf8(ENV_MAGIC), u32be(headerBytes.length), headerBytes));

    // Pass 2: stream the package through fixed-size chunks. The final chunk is the one shorter than chunk_size
    // (empty when the package is an exact multiple), so a full buffer is never the final one.
    const total = prefix.length + fileBytes;
    const buf = new Uint8Array(chunkSize);
    let fill = 0, index = 0, done = 0;
    const nonce = new Uint8Array(12);
    nonce.set(noncePrefix, 0);
    const emit = async (data, final) => {
      new DataView(nonce.buffer).setUint32(7, index);
      nonce[11] = final ? 1 : 0;
      const ct = await gcmEncrypt(key, nonce, data, aad); // subtle copies `data` before returning
      out(u32be((final ? FINAL_BIT : 0) + ct.length));
      out(ct);
      index += 1;
    };
    const push = async (bytes) => {
      let off = 0;
      while (off < bytes.length) {
        const take = Math.min(chunkSize - fill, bytes.length - off);
        buf.set(bytes.subarray(off, off + take), fill);
        fill += take; off += take;
        if (fill === chunkSize) { await emit(buf, false); fill = 0; }
      }
      done += bytes.length;
      progress("encrypt", done, total);
    };
    await push(prefix);
    for (let i = 0; i < files.length; i++) {
      // No second digest here: a File picked in a form is a snapshot, and Chromium refuses to read one whose
      // file changed on disk since (NotReadableError), so the bytes cannot drift from the manifest unseen.
      let copied = 0;
      for await (const piece of readBlob(files[i].blob)) { await push(piece); copied += piece.length; }
      if (copied !== listed[i].size) throw pkgInvalid("file_changed", files[i].name + " changed while it was being sealed");
    }
    await emit(buf.subarray(0, fill), true);
    const blob = new Blob([acc, ...parts], { type: "application/octet-stream" });
    // The receipt's digest: of the envelope as the server will receive it (the Blob's bytes, read back).
    const sha = await digestBlob(blob, (n) => progress("hash", n, size));
    return { blob, sha256: sha, size, header, headerBytes, manifest: JSON.parse(fromUtf8(manifest)) };
  }

  // ---------------------------------------------------------------- envelope reading (scan, decrypt, package)

  function _checkHeader(h) {
    const isStr = (v) => typeof v === "string" && v.length > 0;
    if (!h || typeof h !== "object" || Array.isArray(h)) throw malformed("header", "not an object");
    if (h.format !== "ggzy-envelope" || h.version !== 1) throw malformed("header", "format/version");
    if (h.suite !== SUITE) {
      if (h.suite === "sm2-sm4gcm") throw malformed("suite", "GM (国密) envelopes open with the CLI only");
      throw malformed("suite", "unknown suite");
    }
    for (const k of ["tender_id", "lot_id", "bidder_org_id"]) if (!isStr(h[k])) throw malformed("header", k);
    if (!_checkChunkSize(h.chunk_size)) throw malformed("chunk_size", "");
    let np;
    try { np = b64d(h.nonce_prefix); } catch (e) { throw malformed("header", "nonce_prefix"); }
    if (np.length !== 7) throw malformed("header", "nonce_prefix must be 7 bytes");
    if (!Array.isArray(h.recipients)) throw malformed("recipients", "not a list");
    const roles = { bidder: 0, rescue: 0 };
    for (const r of h.recipients) {
      if (!r || typeof r !== "object" || !(r.role in roles) || !/^[0-9a-f]{32}$/.test(r.key_id || "")) {
        throw malformed("recipients", "bad entry");
      }
      try {
        if (b64d(r.epk).length !== 32 || b64d(r.wrapped).length !== 48) throw new Error();
      } catch (e) { throw malformed("recipients", "bad epk/wrapped"); }
      roles[r.role] += 1;
    }
    if (roles.bidder !== 1 || roles.rescue > 1) throw malformed("recipients", "exactly one bidder, at most one rescue");
    return np;
  }

  class BlobReader {
    constructor(blob) { this.blob = blob; this.pos = 0; }
    get left() { return this.blob.size - this.pos; }
    async read(n) {
      const b = new Uint8Array(await this.blob.slice(this.pos, this.pos + n).arrayBuffer());
      this.pos += b.length;
      return b;
    }
  }

  // Consumes plaintext incrementally; checks the manifest, signature framing and every file's digest.
  class PackageReader {
    constructor(keepFiles) {
      this.keep = keepFiles !== false;
      this.head = new Uint8Array(0);
      this.stage = "prefix";
      this.manifest = null; this.manifestBytes = null; this.signature = null;
      this.files = []; this.fileIndex = 0; this.remaining = 0; this.hash = null; this.parts = [];
    }
    _need(data, n) {
      // Gather at least n bytes of the small prefix fields; returns the rest of data once there are enough.
      const take = Math.min(n - this.head.length, data.length);
      if (take > 0) this.head = concat(this.head, data.subarray(0, take));
      return this.head.length >= n ? data.subarray(take) : null;
    }
    _startFile() {
      while (this.fileIndex < this.files.length && this.files[this.fileIndex].size === 0) this._endFile();
      if (this.fileIndex < this.files.length) {
        const size = this.files[this.fileIndex].size;
        // Small files are hashed natively once complete (see _endFile); large ones as they stream by.
        this.remaining = size; this.hash = size > NATIVE_DIGEST ? new Sha256() : null; this.parts = [];
      }
    }
    _endFile() {
      const f = this.files[this.fileIndex];
      if (this.hash) {
        f.actualDigest = this.hash.hexdigest();
      } else {
        // Started now, awaited in finish(): the file's bytes are released once hashed unless they are kept.
        const fileBlob = new Blob(this.parts, { type: "application/octet-stream" });
        f.pending = digestBlob(fileBlob);
      }
      if (this.keep) f.blob = new Blob(this.parts, { type: "application/octet-stream" });
      this.hash = null; this.parts = [];
      this.fileIndex += 1;
    }
    feed(chunk) {
      let data = chunk;
      while (data.length) {
        if (this.stage === "prefix") {
          const rest = this._need(data, 12);
          if (rest === null) return;
          if (fromUtf8(this.head.subarray(0, 8)) !== PKG_MAGIC) throw pkgInvalid("magic", "");
          this.manifestLen = readU32(this.head, 8);
          if (this.manifestLen > MAX_MANIFEST) throw pkgInvalid("manifest", "over 1 MiB");
          this.stage = "manifest"; data = rest;
        } else if (this.stage === "manifest") {
          const rest = this._need(data, 12 + this.manifestLen + 2);
          if (rest === null) return;
          this.manifestBytes = this.head.slice(12, 12 + this.manifestLen);
          this.sigLen = readU16(this.head, 12 + this.manifestLen);
          this._parseManifest();
          this.stage = "signature"; data = rest;
        } else if (this.stage === "signature") {
          const at = 14 + this.manifestLen;
          const rest = this._need(data, at + this.sigLen);
          if (rest === null) return;
          this.signature = this.head.slice(at, at + this.sigLen);
          this.head = new Uint8Array(0);
          this.stage = "files"; this._startFile(); data = rest;
        } else {
          if (this.fileIndex >= this.files.length) throw pkgInvalid("trailing", "bytes after the last file");
          const take = Math.min(this.remaining, data.length);
          const piece = data.subarray(0, take);
          if (this.hash) this.hash.update(piece);
          if (this.keep || !this.hash) this.parts.push(piece.slice());
          this.remaining -= take; data = data.subarray(take);
          if (this.remaining === 0) { this._endFile(); this._startFile(); }
        }
      }
    }
    _parseManifest() {
      let m;
      try { m = JSON.parse(fromUtf8(this.manifestBytes)); } catch (e) { throw pkgInvalid("manifest", "not JSON"); }
      if (!m || m.format !== "ggzy-bid" || m.version !== 1 || !Array.isArray(m.files) || !m.sheet || typeof m.sheet !== "object") {
        throw pkgInvalid("manifest", "format/version/files/sheet");
      }
      const seen = new Set();
      for (const f of m.files) {
        if (f && seen.has(f.name)) throw pkgInvalid("manifest", "duplicate file name");
        if (f) seen.add(f.name);
        if (!f || !validFileName(f.name) || !Number.isSafeInteger(f.size) || f.size < 0 || !/^[0-9a-f]{64}$/.test(f.digest || "")) {
          throw pkgInvalid("manifest", "bad file entry");
        }
      }
      this.manifest = m;
      this.files = m.files.map((f) => ({ name: f.name, size: f.size, digest: f.digest }));
    }
    async finish() {
      if (this.stage !== "files" || this.fileIndex < this.files.length) throw pkgInvalid("truncated", "package ends early");
      for (const f of this.files) {
        if (f.pending) { f.actualDigest = await f.pending; delete f.pending; }
        f.ok = f.actualDigest === f.digest;
      }
      return this;
    }
  }

  /**
   * Walk an envelope (a Blob or File): framing checks without a key, then, when a data key is given, decryption,
   * package parsing, signature and digest checks. opts: {dataKey (bytes or b64), keys (key set: unwraps the
   * bidder's data key and supplies the signing key), signPublic (raw), keepFiles (default true), onProgress}.
   * Returns {header, headerBytes, sha256, size, records, manifest?, sheet?, files?, signatureOk?, signatureNote?}.
   */
  async function openEnvelope(blob, opts) {
    const o = opts || {};
    const progress = o.onProgress || (() => {});
    const r = new BlobReader(blob);
    // The envelope's own digest (the receipt's): native in one read when small, else hashed while walking it.
    const native = blob.size <= NATIVE_DIGEST ? await digestBlob(blob) : null;
    const outer = native ? { update() {}, hexdigest: () => native } : new Sha256();
    const start = await r.read(12);
    outer.update(start);
    if (start.length < 12 || fromUtf8(start.subarray(0, 8)) !== ENV_MAGIC) throw malformed("magic", "");
    const headerLen = readU32(start, 8);
    if (headerLen > MAX_HEADER || headerLen > r.left) throw malformed("header", "header length");
    const headerBytes = await r.read(headerLen);
    outer.update(headerBytes);
    let header;
    try { header = JSON.parse(fromUtf8(headerBytes)); } catch (e) { throw malformed("header", "not JSON"); }
    const noncePrefix = _checkHeader(header);
    const cs = header.chunk_size;
    const result = { header, headerBytes, sha256: null, size: blob.size, records: 0 };

    let key = null, pkg = null;
    let dataKey = o.dataKey;
    if (dataKey === undefined && o.keys) dataKey = await unwrapDataKey(header, o.keys, o.role || "bidder");
    if (typeof dataKey === "string") {
      try { dataKey = b64d(dataKey.trim()); } catch (e) { throw authFailed("data_key", "not base64"); }
    }
    if (dataKey !== undefined && dataKey !== null) {
      if (u8(dataKey).length !== 32) throw authFailed("data_key", "a data key is 32 bytes");
      key = await aesKey(dataKey, ["decrypt"]);
      pkg = new PackageReader(o.keepFiles);
    }
    const aad = await sha256(headerBytes);
    const nonce = new Uint8Array(12);
    nonce.set(noncePrefix, 0);
    let index = 0, final = false;
    while (!final) {
      if (r.left === 0) throw malformed("truncated", "no final record");
      if (r.left < 4) throw malformed("framing", "partial record word");
      const wordBytes = await r.read(4);
      outer.update(wordBytes);
      const word = readU32(wordBytes, 0);
      final = word >= FINAL_BIT;
      const len = word & 0x7fffffff;
      if (len < 16 || len > cs + 16 || (!final && len !== cs + 16) || (final && len === cs + 16)) {
        throw malformed("framing", "record " + index + " has length " + len);
      }
      if (len > r.left) throw malformed("truncated", "record " + index + " is cut short");
      const ct = await r.read(len);
      outer.update(ct);
      if (key) {
        new DataView(nonce.buffer).setUint32(7, index);
        nonce[11] = final ? 1 : 0;
        let plain;
        try { plain = await gcmDecrypt(key, nonce, ct, aad); } catch (e) {
          throw authFailed("chunk", "record " + index + " failed authentication");
        }
        pkg.feed(plain);
      }
      index += 1;
      progress("open", r.pos, blob.size);
    }
    if (r.left !== 0) throw malformed("trailing_bytes", r.left + " bytes after the final record");
    result.records = index;
    result.sha256 = outer.hexdigest();
    if (o.expectedSha256 && o.expectedSha256 !== result.sha256) throw authFailed("sha256", "does not match the receipt");
    if (!pkg) return result;

    await pkg.finish();
    const m = pkg.manifest;
    for (const k of ["tender_id", "lot_id", "bidder_org_id"]) {
      if (m[k] !== header[k]) throw pkgInvalid("addressing", "manifest " + k + " differs from the envelope header");
    }
    result.manifest = m;
    result.manifestBytes = pkg.manifestBytes;
    result.sheet = m.sheet;
    result.files = pkg.files;
    result.signingKeyId = m.signing_key_id;
    const signPublic = o.signPublic ? u8(o.signPublic) : o.keys ? o.keys.signPublic : null;
    if (!signPublic) {
      result.signatureOk = null;
      result.signatureNote = "no signing key given";
    } else if ((await keyId(signPublic)) !== m.signing_key_id) {
      result.signatureOk = false;
      result.signatureNote = "signed by key " + m.signing_key_id + ", not by the given key";
    } else {
      result.signatureOk = await verifySignature(signPublic, pkg.manifestBytes, pkg.signature);
      result.signatureNote = result.signatureOk ? "" : "the signature does not verify";
    }
    result.digestsOk = pkg.files.every((f) => f.ok);
    return result;
  }

  // ---------------------------------------------------------------- receipts

  /** Check a receipt's Ed25519 signature with the platform public key (raw bytes or b64). Returns true/false. */
  async function verifyReceipt(receipt, platformPublic) {
    if (!receipt || typeof receipt !== "object" || receipt.format !== "ggzy-receipt" || typeof receipt.signature !== "string") {
      return false;
    }
    const pub = typeof platformPublic === "string" ? b64d(platformPublic) : u8(platformPublic);
    if (receipt.platform_key_id !== (await keyId(pub))) return false;
    const fields = {};
    for (const k of Object.keys(receipt)) if (k !== "signature") fields[k] = receipt[k];
    let sig;
    try { sig = b64d(receipt.signature); } catch (e) { return false; }
    return verifySignature(pub, canonicalJSON(fields), sig);
  }

  /** The platform's public signing keys from GET /api/platform/keys, as [{key_id, public (b64)}]. */
  function platformKeysFrom(doc) {
    const list = Array.isArray(doc) ? doc : doc && Array.isArray(doc.keys) ? doc.keys : doc ? [doc] : [];
    return list
      .map((k) => ({ key_id: k.key_id, public: k.public || k.public_key || k.public_raw || k.key }))
      .filter((k) => typeof k.public === "string");
  }

  // ---------------------------------------------------------------- amounts in words (kit/money.in_words)

  const DIGITS = "零壹贰叁肆伍陆柒捌玖";
  const UNITS = ["", "拾", "佰", "仟"];
  const SECTIONS = ["", "万", "亿", "万亿"];

  function _sectionWords(n) {
    let out = "", zero = false;
    for (let pos = 3; pos >= 0; pos--) {
      const d = Math.floor(n / 10 ** pos) % 10;
      if (d === 0) { zero = out.length > 0; continue; }
      if (zero) { out += "零"; zero = false; }
      out += DIGITS[d] + UNITS[pos];
    }
    return out;
  }

  /** Parse "1234.5" / "1,234.50" into fen (BigInt); null when not an amount with at most two decimals. */
  function parseFen(text) {
    const s = String(text).trim().replace(/,/g, "");
    const m = /^(-?)(\d+)(?:\.(\d{0,2}))?$/.exec(s);
    if (!m) return null;
    const fen = BigInt(m[2]) * 100n + BigInt(((m[3] || "") + "00").slice(0, 2));
    return m[1] ? -fen : fen;
  }

  /** Capital Chinese numerals for a yuan amount, exactly as ggzy.kit.money.in_words. "" for non-amounts. */
  function inWords(amount) {
    const fenTotal = typeof amount === "bigint" ? amount : parseFen(amount);
    if (fenTotal === null) return "";
    if (fenTotal < 0n) return "负" + inWords(-fenTotal);
    let yuan = fenTotal / 100n;
    const rest = Number(fenTotal % 100n);
    const jiao = Math.floor(rest / 10), fen = rest % 10;
    let words = "";
    if (yuan > 0n) {
      const sections = [];
      while (yuan > 0n) { sections.push(Number(yuan % 10000n)); yuan /= 10000n; }
      let needZero = false;
      for (let idx = sections.length - 1; idx >= 0; idx--) {
        const sec = sections[idx];
        if (sec === 0) { needZero = words.length > 0; continue; }
        if (words && (needZero || sec < 1000)) words += "零";
        words += _sectionWords(sec) + SECTIONS[idx];
        needZero = false;
      }
      words += "元";
    }
    if (!jiao && !fen) return (words || "零元") + "整";
    if (jiao) words += DIGITS[jiao] + "角";
    else if (words) words += "零";
    if (fen) words += DIGITS[fen] + "分";
    else words += "整";
    return words;
  }

  const PRICE_RE = /^(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?$/;
  const SHEET_STRINGS = ["lot_id", "price", "price_in_words", "quality", "project_lead", "lead_certificate"];

  /** Problems with an opening sheet, as "field: problem" (mirrors ggzy.sealing.package.sheet_problems). */
  function sheetProblems(sheet, lotId) {
    if (!sheet || typeof sheet !== "object" || Array.isArray(sheet)) return ["sheet: must be a JSON object"];
    const out = [];
    for (const k of SHEET_STRINGS) {
      const v = sheet[k];
      if (typeof v !== "string" || !v.trim()) out.push(k + ": required text");
      else if (v.length > 500) out.push(k + ": too long");
    }
    const price = sheet.price;
    if (typeof price === "string" && price.trim()) {
      if (!PRICE_RE.test(price)) out.push("price: must be a decimal number of yuan with at most 2 decimal places");
      else if (parseFen(price) <= 0n) out.push("price: must be greater than zero");
    }
    if (!Number.isSafeInteger(sheet.duration_days) || sheet.duration_days <= 0) {
      out.push("duration_days: must be a positive whole number");
    }
    if (lotId !== undefined && typeof sheet.lot_id === "string" && sheet.lot_id !== lotId) {
      out.push("lot_id: does not match the lot the bid is for");
    }
    return out;
  }

  /** A bare file name, safe to extract anywhere (mirrors ggzy.sealing.package.valid_file_name). */
  function validFileName(name) {
    if (typeof name !== "string") return false;
    const n = utf8(name).length;
    return n > 0 && n <= 255 && name !== "." && name !== ".." && name === name.trim() && !/[\x00-\x1f\x7f/\\]/.test(name);
  }

  // ---------------------------------------------------------------- small page helpers

  function download(name, data, type) {
    const blob = data instanceof Blob ? data : new Blob([data], { type: type || "application/octet-stream" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url; a.download = name; a.rel = "noopener";
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  async function readJSONFile(file) {
    return JSON.parse(await file.text());
  }

  /** Whether this browser has every WebCrypto algorithm the suite needs (X25519 and Ed25519 are recent). */
  async function supported() {
    try {
      await subtle.generateKey({ name: "X25519" }, false, ["deriveBits"]);
      await subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
      return true;
    } catch (e) {
      return false;
    }
  }

  /** Tests only: move the native/incremental digest threshold (0 = always incremental) to cover both paths. */
  function configure(opts) {
    if (opts && Number.isInteger(opts.nativeDigest) && opts.nativeDigest >= 0) NATIVE_DIGEST = opts.nativeDigest;
    return { nativeDigest: NATIVE_DIGEST };
  }

  globalThis.GGZY = Object.freeze({
    configure,
    SUITE, DEFAULT_ITERATIONS, MIN_ITERATIONS, DEFAULT_CHUNK, WRAP_INFO, SHARE_INFO, SealingError, Sha256,
    b64e, b64d, hex, utf8, canonicalJSON, sha256, keyId,
    generateKeySet, publicDoc, proofOfPossession, writeKeyFile, readKeyFile, readKeyFilePublic, sign, verifySignature,
    wrapSecret, unwrapSecret, unwrapDataKey, sealBid, openEnvelope, verifyReceipt, platformKeysFrom,
    inWords, parseFen, sheetProblems, validFileName, download, readJSONFile, supported,
  });
})();
