import { Input } from '@medusajs/ui';
import { both, say } from '../lib/messages';

/** Props of {@link SecretInput}. */
export interface SecretInputProps {
  id: string;
  /** Whether a value is stored on the server. */
  isSet: boolean;
  /** `••••abcd`-style hint of the stored value, if the server could compute one. */
  hint: string | null;
  /** The new value typed by the admin; empty means "keep the stored value". */
  value: string;
  onChange: (value: string) => void;
  /** Render a textarea-like multi-line field (PEM keys). */
  multiline?: boolean;
}

/** What is stored for a secret: its masked hint and how to keep it, or that nothing is. */
export function secretNote(isSet: boolean, hint: string | null): string {
  if (!isSet) return say('secretNotSet');
  const shown = (separator: string) => (hint ? `${separator}${hint}` : '');
  return both({
    en: `Stored${shown(': ')} — leave empty to keep`,
    zh: `已保存${shown('：')}，留空则保持不变`,
  });
}

/**
 * A write-only secret input: the stored value is never sent to the browser, only whether one exists
 * and its last characters. Typing replaces it on save; leaving it empty keeps it.
 */
export function SecretInput({ id, isSet, hint, value, onChange, multiline }: SecretInputProps) {
  const shared = {
    id,
    value,
    placeholder: isSet ? (hint ?? '••••') : '',
    onChange: (event: { target: { value: string } }) => onChange(event.target.value),
  };
  return multiline ? (
    <textarea
      {...shared}
      className="bg-ui-bg-field shadow-borders-base txt-compact-small min-h-[96px] rounded-md px-2 py-1.5 font-mono"
      autoComplete="off"
      spellCheck={false}
    />
  ) : (
    <Input {...shared} type="password" autoComplete="new-password" />
  );
}
