/**
 * The reporter of an article, read off its cleaned text at answer time: agencies print the byline
 * in the lead («باشگاه خبرنگاران جوان؛زهره شعبانی _…») or on a line of its own («خبرنگار: …»).
 * Read when asked («خبرنگار این خبر کیست؟»), so no index stores it.
 */
/** «باشگاه خبرنگاران جوان؛زهره شعبانی _…», «خبرنگار: زهره شعبانی», «گزارش از: …». */
const BYLINE_AFTER_AGENCY = /^(?:[^\s؛.،]+\s?){1,4}؛\s*([^_\n؛،.:]{4,40}?)\s*_/u;
const BYLINE_LINE = /^(?:خبرنگار|گزارشگر|نویسنده|گزارش|تهیه و تنظیم|نوشته)\s*(?:از)?\s*[:：]\s*([^\n،.:]{4,40})$/mu;

/**
 * The reporter's byline, when the page gives one: the name after the agency in «AGENCY؛NAME _»,
 * or a «خبرنگار: NAME» line. At most four words of letters: anything longer is not a name.
 */
export function reporterOf(text: string): string | undefined {
  const lead = text.slice(0, 600);
  const found = BYLINE_AFTER_AGENCY.exec(lead)?.[1] ?? BYLINE_LINE.exec(text)?.[1];
  const name = found?.trim();
  if (!name || !/^[\p{L}\p{M}\u200c]+(?:\s+[\p{L}\p{M}\u200c]+){1,3}$/u.test(name)) return undefined;
  return name;
}
