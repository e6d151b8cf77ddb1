// Prints the plain closing line "e2e: N passed, N failed, N skipped" after
// Playwright's own list report, as the former runner did, so that a log
// reader that knows no Playwright still sees what ran.

import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';

export default class SummaryReporter implements Reporter {
  private passed = 0;
  private failed = 0;
  private skipped = 0;
  private errors = 0;

  printsToStdio(): boolean {
    return true;
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    // Retries are off: each test ends once.
    if (result.status === 'skipped') this.skipped++;
    else if (test.outcome() === 'expected') this.passed++;
    else this.failed++;
  }

  onError(): void {
    this.errors++; // e.g. global setup failing under PARKMATE_REQUIRE_SERVICES=1
  }

  onEnd(result: FullResult): void {
    const failed = this.failed + (result.status !== 'passed' && this.failed === 0 ? Math.max(1, this.errors) : 0);
    console.log(`\ne2e: ${this.passed} passed, ${failed} failed${this.skipped ? `, ${this.skipped} skipped` : ''}`);
  }
}
