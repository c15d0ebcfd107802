import { Heading, Text } from '@medusajs/ui';
import type { ReactNode } from 'react';

/** The heading of one block of an Alipay admin screen, with a line saying what it holds. */
export function BlockHeading({ title, note }: { title: string; note: string }) {
  return (
    <div className="px-6 py-4">
      <Heading level="h2">{title}</Heading>
      <Text size="small" className="text-ui-fg-subtle">
        {note}
      </Text>
    </div>
  );
}

/** A problem the merchant must read (Alipay's or the plugin's message, bilingual), in the error colour. */
export function ErrorText({
  size = 'xsmall',
  testId,
  children,
}: {
  size?: 'small' | 'xsmall';
  /** The `data-testid` that browser tests find the message by. */
  testId?: string;
  children: ReactNode;
}) {
  return (
    <Text size={size} className="text-ui-fg-error" data-testid={testId}>
      {children}
    </Text>
  );
}
