/** The widget's stylesheet, bundled as its text (esbuild's `text` loader, server/widget-bundle.ts). */
declare module "*.css" {
  const text: string;
  export default text;
}
