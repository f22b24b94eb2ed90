/**
 * Reader-facing text of the widget, in Persian, and Persian digits for the UI. The texts a site
 * may replace (heading, greeting, placeholder, send, launcher) have their defaults here; the
 * script tag's attributes override them (config.ts).
 */
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
  sources: "منابع پاسخ",
  viewArticle: "مشاهدهٔ خبر",
  useful: "مفید",
  notUseful: "نامفید",
  copy: "کپی",
  copyAnswer: "کپی پاسخ و منابع",
  copied: "کپی شد",
  copyFailed: "کپی نشد",
  empty: "لطفاً پرسش خود را بنویسید.",
  // Each failure names whose it is: the reader's connection only when the browser says it is offline.
  offline: "به نظر می‌رسد اینترنت شما قطع است. پس از وصل شدن دوباره تلاش کنید.",
  unreachable: "سرور گفتگو در دسترس نیست و مشکل از اینترنت شما نیست. لطفاً کمی بعد دوباره تلاش کنید.",
  quota: "تعداد پرسش‌ها از حد مجاز گذشته است؛ لطفاً چند لحظه صبر کنید و بعد دوباره بپرسید.",
  server: "سرور گفتگو با مشکلی روبه‌رو شده است. لطفاً کمی بعد دوباره تلاش کنید.",
  timeout: "پاسخ بیش از اندازه طول کشید. لطفاً دوباره تلاش کنید.",
  failed: "پاسخی دریافت نشد. لطفاً دوباره تلاش کنید.",
  you: "شما",
  assistant: "گفتگو",
} as const;

export function persianDigits(text: string): string {
  return text.replace(/[0-9]/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
}
