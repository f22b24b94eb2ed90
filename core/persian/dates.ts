import jalaali from "jalaali-js";
import { toLatinDigits, toPersianDigits } from "./normalize.ts";

/** Solar Hijri (Jalali) month names as Iranian sites print them, with common variants. */
const JALALI_MONTHS = new Map<string, number>(
  Object.entries({
    فروردین: 1,
    اردیبهشت: 2,
    خرداد: 3,
    تیر: 4,
    مرداد: 5,
    امرداد: 5,
    شهریور: 6,
    مهر: 7,
    آبان: 8,
    آذر: 9,
    دی: 10,
    بهمن: 11,
    اسفند: 12,
  }),
);

/**
 * Converts a Jalali date to the Gregorian calendar (jalaali-js: Jalali years -61 to 3177; outside
 * them it throws).
 *
 * @example jalaliToGregorian(1401, 6, 1) // { year: 2022, month: 8, day: 23 }
 */
export function jalaliToGregorian(jy: number, jm: number, jd: number): { year: number; month: number; day: number } {
  const { gy, gm, gd } = jalaali.toGregorian(jy, jm, jd);
  return { year: gy, month: gm, day: gd };
}

/** Tehran's UTC offset on a given local date and time, e.g. "+04:30" (summer 2022) or "+03:30". */
export function tehranOffset(year: number, month: number, day: number, hour = 12, minute = 0): string {
  // Treat the wall time as UTC, ask Intl what Tehran shows then, and read the difference.
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: "Asia/Tehran",
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).formatToParts(new Date(guess));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const shown = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"));
  const minutes = Math.round((shown - guess) / 60000);
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

const JALALI_DATE = new RegExp(
  String.raw`(\d{1,2})\s+(` +
    [...JALALI_MONTHS.keys()].join("|") +
    String.raw`)\s+(1[34]\d\d)(?:\s*[-–،,]?\s*(?:ساعت\s*)?(\d{1,2}):(\d{2}))?`,
);
const ISO_DATE = /\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?)?\b/;

/**
 * Finds a publication date in a line and returns it as ISO-8601: a Jalali date such as
 * «01 شهریور 1401 - 22:21» becomes "2022-08-23T22:21:00+04:30" (Tehran time); an ISO date
 * such as "2025-12-15" is returned as written. Undefined when the line holds neither.
 */
export function parsePublishedDate(line: string): string | undefined {
  const text = toLatinDigits(line);
  const jalali = JALALI_DATE.exec(text);
  if (jalali) {
    const [, d, monthName, y, hh, mm] = jalali;
    const jm = JALALI_MONTHS.get(monthName!)!;
    const jd = Number(d);
    if (jd < 1 || jd > 31) return undefined;
    const g = jalaliToGregorian(Number(y), jm, jd);
    const date = `${g.year}-${pad(g.month)}-${pad(g.day)}`;
    if (hh === undefined || mm === undefined) return date;
    const offset = tehranOffset(g.year, g.month, g.day, Number(hh), Number(mm));
    return `${date}T${pad(Number(hh))}:${mm}:00${offset}`;
  }
  const iso = ISO_DATE.exec(text);
  if (iso) {
    const [whole, y, m, d] = iso;
    const month = Number(m);
    const day = Number(d);
    if (month < 1 || month > 12 || day < 1 || day > 31 || Number(y) < 1900) return undefined;
    return whole;
  }
  return undefined;
}

/**
 * A Gregorian date in the Jalali calendar (jalaali-js: Gregorian years 560 to 3798; outside them
 * it throws).
 *
 * @example gregorianToJalali(2022, 8, 23) // { year: 1401, month: 6, day: 1 }
 */
export function gregorianToJalali(gy: number, gm: number, gd: number): { year: number; month: number; day: number } {
  const { jy, jm, jd } = jalaali.toJalaali(gy, gm, gd);
  return { year: jy, month: jm, day: jd };
}

/** The Jalali months in order, as written in running text. */
export const JALALI_MONTH_NAMES: readonly string[] = [
  "فروردین",
  "اردیبهشت",
  "خرداد",
  "تیر",
  "مرداد",
  "شهریور",
  "مهر",
  "آبان",
  "آذر",
  "دی",
  "بهمن",
  "اسفند",
];

/**
 * An article's `publishedAt` as a Persian reader writes the date: "2022-08-23T22:21:00+04:30" →
 * «۱ شهریور ۱۴۰۱». The date as written (the publisher's local day), not converted to UTC.
 */
export function formatJalali(iso: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  const year = Number(m?.[1]);
  // An article's date may be any ISO date («0001-01-01» from a CMS's empty field), and jalaali-js
  // throws outside its years: such a date is shown as none rather than failing the answer.
  if (!m || year < 560 || year > 3798) return undefined;
  const j = gregorianToJalali(year, Number(m[2]), Number(m[3]));
  return toPersianDigits(`${j.day} ${JALALI_MONTH_NAMES[j.month - 1]} ${j.year}`);
}
