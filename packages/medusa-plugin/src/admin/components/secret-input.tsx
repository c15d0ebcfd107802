import { Input, Label, Text } from '@medusajs/ui';

/** Props of {@link SecretInput}. */
export interface SecretInputProps {
  id: string;
  label: string;
  /** Whether a value is stored on the server. */
  isSet: boolean;
  /** `••••abcd`-style hint of the stored value, if the server could compute one. */
  hint: string | null;
  /** The new value typed by the admin; empty means "keep the stored value". */
  value: string;
  onChange: (value: string) => void;
  /** Render a textarea-like multi-line field (PEM keys). */
  multiline?: boolean;
  /** The core's message about this field after a validation, in both languages. */
  error?: { en: string; zh: string };
}

/**
 * A write-only secret field: the stored value is never sent to the browser, only whether one exists
 * and its last characters. Typing replaces it on save; leaving it empty keeps it.
 */
export function SecretInput({ id, label, isSet, hint, value, onChange, multiline, error }: SecretInputProps) {
  const status = isSet
    ? `Stored${hint ? `: ${hint}` : ''} — leave empty to keep / 已保存${hint ? `：${hint}` : ''}，留空则保持不变`
    : 'Not set / 未设置';
  return (
    <div className="flex flex-col gap-y-2">
      <Label htmlFor={id} size="small" weight="plus">
        {label}
      </Label>
      {multiline ? (
        <textarea
          id={id}
          className="bg-ui-bg-field shadow-borders-base txt-compact-small min-h-[96px] rounded-md px-2 py-1.5 font-mono"
          autoComplete="off"
          spellCheck={false}
          value={value}
          placeholder={isSet ? (hint ?? '••••') : ''}
          onChange={event => onChange(event.target.value)}
        />
      ) : (
        <Input
          id={id}
          type="password"
          autoComplete="new-password"
          value={value}
          placeholder={isSet ? (hint ?? '••••') : ''}
          onChange={event => onChange(event.target.value)}
        />
      )}
      <Text size="xsmall" className="text-ui-fg-subtle">
        {status}
      </Text>
      {error && (
        <Text size="xsmall" className="text-ui-fg-error" data-testid={`alipay-error-${id}`}>
          {error.en} / {error.zh}
        </Text>
      )}
    </div>
  );
}
