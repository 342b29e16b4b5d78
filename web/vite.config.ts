/**
 * The two web pages, one build: the privacy center (index.html, served at /) and the console
 * (console/index.html, served at /console). No configuration is baked in: the pages read
 * /config.json at start (the API URL and the sign-in mode), served beside the bundle.
 */
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [preact()],
  // Nothing from the environment reaches the bundle (no VITE_* secrets by accident).
  envPrefix: 'CUSTODIAN_WEB_PUBLIC_',
  build: {
    outDir: process.env.CUSTODIAN_WEB_OUT_DIR ?? 'dist',
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: {
      input: { center: `${root}index.html`, console: `${root}console/index.html` },
    },
  },
  logLevel: 'warn',
});
