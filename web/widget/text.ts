/** Reader-facing text of the widget, in Persian, and Persian digits for the UI. */
export const TEXT = {
  heading: "گفتگو با هوش مصنوعی",
  greeting: (title: string) => `💬 سلام! می‌خوای درباره‌ی «${title}» بیشتر بدونی؟ من اینجام که راهنماییت کنم.`,
  greetingNoTitle: "💬 سلام! دربارهٔ خبرها بپرس؛ من اینجام که راهنماییت کنم.",
  placeholder: "پرسش خود را بنویسید…",
  send: "ارسال",
  stop: "توقف",
  stopped: "(پاسخ متوقف شد)",
  close: "بستن",
  open: "گفتگو با هوش مصنوعی",
  restart: "گفتگوی تازه",
  retry: "تلاش دوباره",
  typing: "در حال نوشتن پاسخ",
  suggestions: "پرسش‌های پیشنهادی",
  source: "منبع",
  viewArticle: "مشاهدهٔ خبر",
  helpful: "پاسخ مفید بود",
  useful: "مفید",
  notUseful: "نامفید",
  notHelpful: "پاسخ مفید نبود",
  thanks: "ممنون از بازخوردتان",
  empty: "لطفاً پرسش خود را بنویسید.",
  network: "اتصال به سرور برقرار نشد. اتصال اینترنت را بررسی کنید و دوباره تلاش کنید.",
  quota: "تعداد پرسش‌ها از حد مجاز گذشته است؛ لطفاً چند لحظه بعد دوباره بپرسید.",
  failed: "پاسخی دریافت نشد. لطفاً دوباره تلاش کنید.",
  you: "شما",
  assistant: "گفتگو",
} as const;

export function persianDigits(text: string): string {
  return text.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
}
