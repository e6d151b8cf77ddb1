/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The Go server (parkmate) serves web/dist at "/" and the API on the same
// origin. In development, `npm run dev` proxies the API and the WebSocket to a
// parkmate started on 127.0.0.1:8000.
const backend = process.env.PARKMATE_DEV_BACKEND || 'http://127.0.0.1:8000';

export default defineConfig({
  base: './',
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/ws': { target: backend, ws: true, changeOrigin: false },
      '/healthz': { target: backend },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // Deterministic output: content hashes only, no timestamps.
    reportCompressedSize: false,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
