/**
 * How every handler is bundled (the API's, the tasks', the user pool's trigger), in one place: CDK's
 * NodejsFunction takes `handlerBundling`, and the cold-start bench builds the same bundles with
 * `esbuildOptions` (the same settings as esbuild options), so the figures are those of what ships.
 */
import type { BuildOptions } from 'esbuild';
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

export const handlerBundling = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  // Some CommonJS dependencies call require(); ESM has none until we define it.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  // Everything is bundled, the AWS SDK included: the versions in package-lock.json are the ones
  // that run, not whichever SDK the Lambda runtime happens to ship.
  externalModules: [],
  bundleAwsSDK: true,
  forceDockerBundling: false,
} satisfies BundlingOptions;

/** `handlerBundling` as esbuild options, as CDK passes them to esbuild (bundle, platform node). */
export function esbuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: handlerBundling.format === OutputFormat.ESM ? 'esm' : 'cjs',
    target: handlerBundling.target,
    minify: handlerBundling.minify,
    sourcemap: handlerBundling.sourceMap,
    mainFields: handlerBundling.mainFields,
    banner: { js: handlerBundling.banner },
    external: handlerBundling.externalModules,
    logLevel: 'silent',
    metafile: true,
  };
}
