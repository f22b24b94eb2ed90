/**
 * The version of what ingest stores in an index: cleaning and metadata, Persian analysis,
 * chunking's text, the lexical documents, the local embedder's features. An index records it
 * (the manifest's, or the database's, `pipeline`), and one of another version is rebuilt rather
 * than queried with analysis it was not made by.
 *
 * **Bump it whenever that output changes**, however small the change (a stopword, a folded
 * letter, a furniture pattern): `test/analysis-version.test.ts` analyses pinned texts and fails
 * when their output differs from the one recorded for this version in
 * `test/fixtures/analysis-digests.json`, saying what to write there. A version, not a hash of
 * the source files: moving or reformatting code changes no index.
 */
export const ANALYSIS_VERSION = 5;

/** As the index records it. */
export const ANALYSIS_ID = `analysis-${ANALYSIS_VERSION}`;
