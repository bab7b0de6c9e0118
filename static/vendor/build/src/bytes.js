/** Byte helpers: hex, concatenation, comparison, UTF-8, little-endian integers. */
import { PledgeCryptoError } from './errors.js';

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Lowercase hex of a byte array. */
export function toHex(bytes) {
  assertBytes(bytes, 'bytes');
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Bytes from hex (upper or lower case, even length); anything else is refused. */
export function fromHex(hex) {
  if (typeof hex !== 'string') throw new PledgeCryptoError('hex must be a string');
  const lower = hex.toLowerCase();
  if (!HEX.test(lower)) throw new PledgeCryptoError('invalid hex');
  const out = new Uint8Array(lower.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(lower.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Throw unless ``value`` is a Uint8Array (of ``length`` bytes when given). */
export function assertBytes(value, what, length) {
  if (!(value instanceof Uint8Array)) throw new PledgeCryptoError(`${what} must be bytes`);
  if (length !== undefined && value.length !== length) {
    throw new PledgeCryptoError(`${what} must be ${length} bytes`);
  }
  return value;
}

/** Concatenate byte arrays into a new one. */
export function concatBytes(...parts) {
  let size = 0;
  for (const part of parts) size += assertBytes(part, 'part').length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Equality of two byte arrays without an early exit on the first difference. */
export function equalBytes(a, b) {
  assertBytes(a, 'a');
  assertBytes(b, 'b');
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** UTF-8 encoding of a well-formed string; lone surrogates are refused, as Python does. */
export function utf8(text) {
  if (typeof text !== 'string') throw new PledgeCryptoError('text must be a string');
  if (!isWellFormed(text)) throw new PledgeCryptoError('text contains a lone surrogate');
  return new TextEncoder().encode(text);
}

function isWellFormed(text) {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/** ``value`` (a non-negative integer below 2**64, number or bigint) as 8 little-endian bytes. */
export function u64le(value) {
  const big = typeof value === 'bigint' ? value : toSafeBigInt(value);
  if (big < 0n || big >= 1n << 64n) throw new PledgeCryptoError('u64 out of range');
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, big, true);
  return out;
}

function toSafeBigInt(value) {
  if (!Number.isSafeInteger(value)) throw new PledgeCryptoError('integer out of range');
  return BigInt(value);
}

/** Little-endian bytes to a bigint. */
export function bytesToBigIntLE(bytes) {
  let out = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) out = (out << 8n) | BigInt(bytes[i]);
  return out;
}

/** A non-negative bigint as ``length`` little-endian bytes. */
export function bigIntToBytesLE(value, length) {
  if (value < 0n || value >= 1n << BigInt(8 * length)) {
    throw new PledgeCryptoError('integer does not fit');
  }
  const out = new Uint8Array(length);
  let rest = value;
  for (let i = 0; i < length; i++) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}
