import type { Bilingual } from '@alipay-commerce/core/settings';
import { Label, Select, Text } from '@medusajs/ui';
import { createContext, type ReactNode, useContext } from 'react';
import { both, say } from '../lib/messages';
import type { FieldIssues } from '../lib/settings-api';
import { ErrorText } from './text-blocks';

/** The core's messages of the last validation, by settings field, for every {@link Field} below. */
export const FieldErrors = createContext<FieldIssues>({});

/** The core's message for `field`, in both languages, under the field it is about. */
function FieldError({ field }: { field?: string }) {
  const error = useContext(FieldErrors)[field ?? ''];
  if (!field || !error) return null;
  return <ErrorText testId={`alipay-error-${field}`}>{both(error)}</ErrorText>;
}

/** Props of {@link Field}. */
export interface FieldProps {
  /** The input's element ID. */
  id: string;
  label: string;
  /** The settings field whose validation message shows under the input, if any. */
  field?: string;
  /** What the setting is, under the input. */
  description?: Bilingual;
  /** Another line under the input (a stored secret's state). */
  note?: string;
  /** Lay the label out after the input, on one line (switches). */
  inline?: boolean;
  children: ReactNode;
}

/** One labelled input of the page, with its description, note and the core's message about it. */
export function Field({ id, label, field, description, note, inline, children }: FieldProps) {
  const labelElement = (
    <Label htmlFor={id} size="small" weight="plus">
      {label}
    </Label>
  );
  return (
    <div className="flex flex-col gap-y-2">
      {inline ? (
        <div className="flex items-center gap-x-3">
          {children}
          {labelElement}
        </div>
      ) : (
        <>
          {labelElement}
          {children}
        </>
      )}
      {[description && both(description), note].filter(Boolean).map(line => (
        <Text key={line} size="xsmall" className="text-ui-fg-subtle">
          {line}
        </Text>
      ))}
      <FieldError field={field} />
    </div>
  );
}

/** One choice of a {@link ChoiceSelect}. */
export interface Choice {
  value: string;
  label: string;
}

/** A Medusa select over a list of choices; `placeholder` shows while nothing is chosen. */
export function ChoiceSelect({
  id,
  value,
  choices,
  placeholder,
  onChange,
}: {
  id: string;
  value: string;
  choices: readonly Choice[];
  placeholder?: boolean;
  onChange: (value: string) => void;
}) {
  return (
    <Select value={value} onValueChange={onChange}>
      <Select.Trigger id={id}>
        <Select.Value placeholder={placeholder ? say('choose') : undefined} />
      </Select.Trigger>
      <Select.Content>
        {choices.map(choice => (
          <Select.Item key={choice.value} value={choice.value}>
            {choice.label}
          </Select.Item>
        ))}
      </Select.Content>
    </Select>
  );
}
