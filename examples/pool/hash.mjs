// The task a pool's workers run: a 1 KB record in, its id and an FNV-1a hash of its bytes out.
export default function hash({ id, bytes }) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return { id, hash: h >>> 0 };
}
