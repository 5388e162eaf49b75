/**
 * The environment an MTA process is started with (scripts/start.ts, and the tests' and benches' MTAs): glibc's
 * allocator settings are read once, when the process starts, so they cannot be set from inside it.
 *
 * MALLOC_MMAP_THRESHOLD_: a large message's buffers (its source, decoded attachments, the bound blob) are several
 * MB each. glibc serves such blocks with mmap and hands them back when freed, but after the first is freed it
 * raises its threshold to that block's size (up to 32 MB), and from then on they come from the heap, whose freed
 * space the process keeps. Pinning the threshold at glibc's own starting value (128 KiB) keeps every later large
 * message on mmap as well: measured with `npm run bench memory`, the worst of 16 rows went from 3.33x to 2.88x
 * the bytes in flight (issue 19 item 13). An operator's own value is kept.
 */
const MALLOC_MMAP_THRESHOLD = String(128 * 1024);

export function mtaProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { MALLOC_MMAP_THRESHOLD_: MALLOC_MMAP_THRESHOLD, ...env };
}
