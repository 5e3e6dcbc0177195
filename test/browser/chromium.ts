import { existsSync } from 'node:fs';
import { chromium, Browser } from 'playwright-core';

/** Debian's Chromium (scripts/setup-chromium.sh installs it); Playwright's own browser download is not reachable here. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium with a fake camera playing `y4m`. The network flags keep Chromium from calling home (this
 * machine's network is closed, and those calls fail noisily at every start).
 */
export async function launchChromium(y4m?: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run "bash scripts/setup-chromium.sh" (npm test's pretest does).`);
  const camera = y4m ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`] : [];
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...camera,
    ],
  });
}
