import { normalizeForMatch } from "./normalize.ts";
import type { Found } from "./spans.ts";

/**
 * Place names a reader's question may narrow to («ارزش صادرات اصفهان…»): Iran's provinces and
 * large cities, and the countries and regions Persian news names most. A question that names a
 * place is answered only from an article about that place; a sentence that answers «کجا» holds
 * one. Written in normalised form (see `normalizeForMatch`: no ZWNJ, آ folded to ا).
 */
const PROVINCES = `
تهران قزوین قم اصفهان فارس خراسان خراسان رضوی خراسان شمالی خراسان جنوبی اذربایجان اذربایجان شرقی
اذربایجان غربی اردبیل زنجان گیلان مازندران گلستان سمنان مرکزی همدان کردستان کرمانشاه ایلام لرستان
خوزستان چهارمحال و بختیاری کهگیلویه و بویراحمد بوشهر هرمزگان کرمان یزد سیستان و بلوچستان البرز
`;
const CITIES = `
مشهد تبریز شیراز اهواز کرج رشت ارومیه کرمانشاه زاهدان ساری گرگان بندرعباس اراک یاسوج سنندج خرم اباد
شهرکرد بجنورد بیرجند کاشان ابادان خرمشهر دزفول بابل امل قشم کیش چابهار نیشابور سبزوار ساوه تاکستان
البرز ابهر بوئین زهرا اوج الموت الوند محمودیه آبیک ابیک قرچک ورامین شهریار اسلامشهر پاکدشت دماوند
`;
const COUNTRIES = `
ایران عراق ترکیه افغانستان پاکستان روسیه چین هند امارات عربستان قطر عمان کویت بحرین سوریه لبنان
اردن مصر ارمنستان گرجستان اذربایجان ترکمنستان ازبکستان تاجیکستان قزاقستان قرقیزستان المان فرانسه
انگلیس بریتانیا انگلستان ایتالیا اسپانیا هلند بلژیک سوئیس سوئد نروژ اتریش یونان لهستان اوکراین
امریکا ایالات متحده کانادا مکزیک برزیل ارژانتین ژاپن کره جنوبی کره شمالی اندونزی مالزی تایلند ویتنام
استرالیا افریقای جنوبی نیجریه کنیا اتیوپی الجزایر مراکش تونس لیبی اروپا اسیا افریقا خاورمیانه
`;

const NAMES = [
  ...new Set(
    [PROVINCES, CITIES, COUNTRIES]
      .join(" ")
      .split(/\s+/u)
      .filter(Boolean)
      .map((w) => normalizeForMatch(w)),
  ),
  // Multi-word names the split above broke apart.
  "خراسان رضوی",
  "خراسان شمالی",
  "خراسان جنوبی",
  "اذربایجان شرقی",
  "اذربایجان غربی",
  "چهارمحال و بختیاری",
  "کهگیلویه و بویراحمد",
  "سیستان و بلوچستان",
  "خرم اباد",
  "بوئین زهرا",
  "ایالات متحده",
  "کره جنوبی",
  "کره شمالی",
  "افریقای جنوبی",
].filter((n) => !["و", "شرقی", "غربی", "شمالی", "جنوبی", "رضوی", "متحده", "کره", "زهرا", "اباد", "خرم"].includes(n));

// Longest first, so «خراسان رضوی» wins over «خراسان».
const PLACE = new RegExp(
  `(?<![\\p{L}])(${NAMES.sort((a, b) => b.length - a.length)
    .map((n) => n.replace(/ /g, "\\s+"))
    .join("|")})(?:ی(?=\\s)|ها)?(?![\\p{L}])`,
  "gu",
);

export interface Place extends Found {
  /** The place's name in normalised form, as the gazetteer has it. */
  name: string;
}

/** The known place names in normalised text, with their offsets in it. */
export function findPlaces(normalized: string): Place[] {
  return [...normalized.matchAll(PLACE)].map((m) => ({
    text: m[0],
    start: m.index!,
    end: m.index! + m[0].length,
    name: m[1]!.replace(/\s+/gu, " "),
  }));
}

/** Whether normalised text names the place. */
export function namesPlace(normalized: string, place: string): boolean {
  return findPlaces(normalized).some((p) => p.name === place);
}
