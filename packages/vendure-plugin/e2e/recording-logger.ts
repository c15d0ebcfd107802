import type { VendureLogger } from '@vendure/core';

/** One captured log line. */
export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'verbose' | 'debug';
  context: string | undefined;
  message: string;
  /** The stack trace Vendure passes with some errors. */
  trace?: string;
}

/**
 * A `VendureLogger` that keeps every line (Vendure's and the plugin's), so tests can assert what
 * was logged and, above all, that no secret ever was. Set `LOG=true` to also print the lines.
 */
export class RecordingLogger implements VendureLogger {
  readonly lines: LogLine[] = [];

  error(message: string, context?: string, trace?: string): void {
    this.record({ level: 'error', context, message, trace });
  }
  warn(message: string, context?: string): void {
    this.record({ level: 'warn', context, message });
  }
  info(message: string, context?: string): void {
    this.record({ level: 'info', context, message });
  }
  verbose(message: string, context?: string): void {
    this.record({ level: 'verbose', context, message });
  }
  debug(message: string, context?: string): void {
    this.record({ level: 'debug', context, message });
  }

  /** Lines of the plugin's logger context. */
  plugin(): LogLine[] {
    return this.lines.filter(line => line.context === 'AlipayPlugin');
  }

  /** Everything captured, as one text, to search for secrets. */
  text(): string {
    return this.lines
      .map(line => `${line.level} [${line.context}] ${line.message} ${line.trace ?? ''}`)
      .join('\n');
  }

  private record(line: LogLine): void {
    this.lines.push(line);
    if (process.env.LOG) {
      console.log(`${line.level} [${line.context}] ${line.message}`);
    }
  }
}
