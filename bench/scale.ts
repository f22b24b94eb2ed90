/** The scale benchmark (issue 7): being written. */
export async function runScale(options: { sizes: number[]; json?: string }): Promise<void> {
  throw new Error(`the scale benchmark is not written yet (sizes ${options.sizes.join(", ")})`);
}
