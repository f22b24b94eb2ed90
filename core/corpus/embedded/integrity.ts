import { open, type FileHandle } from "node:fs/promises";
import { crc32 } from "node:zlib";

/**
 * Whether the files of an index generation (core/corpus/embedded/store.ts) are the ones its build wrote.
 * The manifest records each file's size and CRC-32, and no file is used before they are
 * checked: a truncated or bit-flipped file would otherwise load and answer wrongly (a
 * short chunk table reads as an index with no chunks), or crash on a bound its bytes no longer
 * keep, with a message that names no file.
 *
 * CRC-32 and not SHA-256: the damage guarded against is accidental (a full disk, a torn copy
 * or restore, a failing drive), which a CRC detects, and a start checksums the whole index, at
 * several times the speed of SHA-256. A cryptographic hash would add no protection against a
 * person who can write INDEX_DIR: the manifest that holds the checksums is beside the files.
 */

/** What the manifest records of one file of the generation. */
export interface FileRecord {
  size: number;
  crc32: number;
}

/** The command that writes a whole new generation, whatever state the current one is in. */
const REBUILD_COMMAND = "npm run ingest -- --force";

/** A file of the index is missing, of another size or content than its build wrote, or unreadable. */
export class DamagedIndexError extends Error {
  /** What is wrong, without the advice: "index file …/chunks.bin is damaged: …". */
  readonly reason: string;

  constructor(
    readonly file: string,
    /** What is wrong with it: "100 bytes, the manifest says 480". */
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    const reason = `index file ${file} is damaged: ${problem}`;
    super(`${reason}; run "${REBUILD_COMMAND}" to rebuild it`, options);
    this.name = "DamagedIndexError";
    this.reason = reason;
  }
}

/** A file system error as a damaged file, named. */
export function unreadable(file: string, err: unknown): DamagedIndexError {
  if (err instanceof DamagedIndexError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new DamagedIndexError(file, "it is missing", { cause: err });
  return new DamagedIndexError(file, `it cannot be read (${code ?? (err as Error).message})`, { cause: err });
}

/** Pieces in which a file is checksummed without being held whole. */
const PIECE_BYTES = 4 * 1024 * 1024;

/** The size and CRC-32 of a file as it is on disk. */
export async function recordFile(file: string): Promise<FileRecord> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    return { size, crc32: await checksum(handle, size) };
  } finally {
    await handle.close();
  }
}

/**
 * A file's bytes, read in one call on the thread pool, once its size is the recorded one, and
 * checked against the recorded checksum.
 *
 * **NOTE:** `readFile` reads 512 KiB at a time, and each next read is issued from this thread:
 * while it decodes one file (a second, at an archive's size) the reads of the others stood still.
 */
export async function readVerified(
  file: string,
  record: FileRecord,
  options: { shared?: boolean } = {},
): Promise<Buffer> {
  const handle = await open(file, "r").catch((err: unknown) => Promise.reject(unreadable(file, err)));
  try {
    const { size } = await handle.stat();
    checkSize(file, size, record);
    // Not from the pool of small Buffers: typed arrays over it need it to start aligned.
    const buffer = options.shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafeSlow(size);
    await readRange(handle, file, size, buffer);
    checkSum(file, crc32(buffer), record.crc32);
    return buffer;
  } catch (err) {
    throw unreadable(file, err);
  } finally {
    await handle.close();
  }
}

/**
 * Checks a file on disk against its record without holding it: its size, and then its whole
 * content (`checksum`, read in pieces) or nothing more (`size`).
 */
export async function verifyFile(file: string, record: FileRecord, depth: "size" | "checksum"): Promise<void> {
  const handle = await open(file, "r").catch((err: unknown) => Promise.reject(unreadable(file, err)));
  try {
    const { size } = await handle.stat();
    checkSize(file, size, record);
    if (depth === "checksum") checkSum(file, await checksum(handle, size), record.crc32);
  } catch (err) {
    throw unreadable(file, err);
  } finally {
    await handle.close();
  }
}

function checkSize(file: string, size: number, record: FileRecord): void {
  if (size !== record.size) throw new DamagedIndexError(file, `${size} bytes, the manifest says ${record.size}`);
}

function checkSum(file: string, actual: number, recorded: number): void {
  if (actual !== recorded)
    throw new DamagedIndexError(file, `its CRC-32 is ${hex(actual)}, the manifest says ${hex(recorded)}`);
}

function hex(crc: number): string {
  return crc.toString(16).padStart(8, "0");
}

/** The CRC-32 of a file's first `size` bytes, read a piece at a time. */
async function checksum(handle: FileHandle, size: number): Promise<number> {
  const piece = Buffer.allocUnsafeSlow(Math.min(size, PIECE_BYTES));
  let crc = 0;
  for (let at = 0; at < size;) {
    const { bytesRead } = await handle.read(piece, 0, Math.min(piece.length, size - at), at);
    if (bytesRead === 0) break;
    crc = crc32(piece.subarray(0, bytesRead), crc);
    at += bytesRead;
  }
  return crc;
}

/** The file's first `size` bytes, into `into` when given; a file that ends sooner is damaged. */
async function readRange(
  handle: FileHandle,
  file: string,
  size: number,
  into: Buffer<ArrayBufferLike> = Buffer.allocUnsafe(size),
): Promise<Buffer<ArrayBufferLike>> {
  let read = 0;
  while (read < size) {
    const { bytesRead } = await handle.read(into, read, size - read, read);
    if (bytesRead === 0) throw new DamagedIndexError(file, `it ended at byte ${read} of ${size}`);
    read += bytesRead;
  }
  return into;
}
