import {
  CHARSET_LABELS,
  INTERFACE_TYPE_LABELS,
  INTERFACE_TYPES,
  interfaceGeneration,
  SETTING_FIELDS,
  SETTING_GROUP_LABELS,
  type SettingField,
  type SettingGroup,
  settingAppliesTo,
} from '@alipay-commerce/core/settings';
import {
  ConfigurableOperationSelector,
  type DashboardFormComponent,
  Input,
  Switch,
  Textarea,
} from '@vendure/dashboard';
import type { ReactNode } from 'react';
// constants.ts has no imports, so the browser bundle takes only these strings from it.
import { ALIPAY_HANDLER_CODE } from '../constants';
import { type AdminLanguage, inLanguage, say, useAdminLanguage } from './i18n';

/** What the payment method form stores under `handler`: Vendure's `ConfigurableOperationInput`. */
interface HandlerValue {
  code: string;
  arguments: { name: string; value: string }[];
}

/** The payment method handlers, for the handler picker of non-Alipay payment methods. */
const PAYMENT_HANDLERS_QUERY = `
  query AlipayExtensionPaymentHandlers {
    paymentMethodHandlers {
      code
      description
      args { name type required defaultValue list ui label description }
    }
  }
`;

const SELECT_CLASS =
  'border-input bg-background h-9 w-full rounded-md border px-3 text-sm shadow-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring';

/** One setting: its label, its input and its description, in the admin's language. */
function SettingRow({
  field,
  language,
  value,
  onChange,
}: {
  field: SettingField;
  language: AdminLanguage;
  value: string;
  onChange: (value: string) => void;
}) {
  const id = `alipay-setting-${field.name}`;
  // What every text-like input of a setting shares: its ID, its value and how a change reaches the form.
  const bound = {
    id,
    value,
    onChange: (event: { target: { value: string } }) => onChange(event.target.value),
  };
  let input: ReactNode;
  if (field.name === 'interfaceType') {
    input = (
      <select {...bound} className={SELECT_CLASS}>
        <option value="" disabled>
          —
        </option>
        {(['legacy', 'openapi', 'antom'] as const).map(generation => (
          <optgroup key={generation} label={inLanguage(SETTING_GROUP_LABELS[generation], language)}>
            {INTERFACE_TYPES.filter(type => interfaceGeneration(type) === generation).map(type => (
              <option key={type} value={type}>
                {inLanguage(INTERFACE_TYPE_LABELS[type], language)}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    );
  } else if (field.name === 'charset') {
    input = (
      <select {...bound} className={SELECT_CLASS} value={value || 'utf-8'}>
        {Object.entries(CHARSET_LABELS).map(([charset, label]) => (
          <option key={charset} value={charset}>
            {inLanguage(label, language)}
          </option>
        ))}
      </select>
    );
  } else if (field.input === 'boolean') {
    const checked = value === 'true';
    input = (
      <div className="flex items-center gap-2">
        <Switch id={id} checked={checked} onCheckedChange={next => onChange(String(next))} />
        <span className="text-sm text-muted-foreground">{say(checked ? 'yes' : 'no', language)}</span>
      </div>
    );
  } else if (field.input === 'textarea') {
    input = <Textarea {...bound} spellCheck={false} className="font-mono text-xs" rows={4} />;
  } else {
    input = (
      <Input
        {...bound}
        type={field.input === 'secret' ? 'password' : 'text'}
        autoComplete="off"
        spellCheck={false}
      />
    );
  }
  return (
    <div className="flex flex-col gap-1.5" data-alipay-setting={field.name}>
      <label htmlFor={id} className="text-sm font-medium">
        {inLanguage(field.label, language)}
      </label>
      {input}
      <p className="text-xs text-muted-foreground">{inLanguage(field.description, language)}</p>
    </div>
  );
}

/**
 * The Alipay settings of a payment method, grouped as Medusa's settings page groups them: the
 * interface type and gateway first, then the legacy (partner + MD5), the OpenAPI (app ID + RSA2) or
 * the Antom (cross-border) settings, only those of the chosen interface type's generation (the core's
 * `settingAppliesTo`: for `antom` the gateway and seller ID are hidden, Antom has its own host).
 * Settings of the other generation keep their stored values (hidden, not cleared), so switching back
 * and forth loses nothing.
 */
function AlipaySettingsForm({
  value,
  onChange,
  onRemove,
}: {
  value: HandlerValue;
  onChange: (value: HandlerValue) => void;
  onRemove: () => void;
}) {
  const language = useAdminLanguage();
  const argValue = (name: string) => value.arguments.find(arg => arg.name === name)?.value ?? '';
  const set = (name: string, next: string) => {
    const exists = value.arguments.some(arg => arg.name === name);
    onChange({
      ...value,
      arguments: exists
        ? value.arguments.map(arg => (arg.name === name ? { name, value: next } : arg))
        : [...value.arguments, { name, value: next }],
    });
  };
  const interfaceType = argValue('interfaceType');
  const generation = interfaceGeneration(interfaceType);
  const groups: SettingGroup[] = ['common', 'legacy', 'openapi', 'antom'];
  return (
    <div className="flex flex-col gap-6 rounded-md border bg-muted/30 p-4" data-testid="alipay-settings-form">
      {groups.map(group => {
        const fields = SETTING_FIELDS.filter(
          field => field.group === group && settingAppliesTo(field, interfaceType),
        );
        if (fields.length === 0) return null;
        return (
          <section key={group} className="flex flex-col gap-4" data-alipay-group={group}>
            <h3 className="text-sm font-semibold">{inLanguage(SETTING_GROUP_LABELS[group], language)}</h3>
            <div className="grid grid-cols-1 gap-4 md:grid-cols-2">
              {fields.map(field => (
                <SettingRow
                  key={field.name}
                  field={field}
                  language={language}
                  value={argValue(field.name)}
                  onChange={next => set(field.name, next)}
                />
              ))}
            </div>
          </section>
        );
      })}
      {!generation && <p className="text-sm text-muted-foreground">{say('chooseType', language)}</p>}
      <div>
        <button type="button" className="text-xs text-muted-foreground underline" onClick={onRemove}>
          {say('remove', language)}
        </button>
      </div>
    </div>
  );
}

/**
 * The `handler` input of the payment method detail page. Vendure's own input lists a handler's
 * arguments flat; for the Alipay handler this shows {@link AlipaySettingsForm} instead. Any other
 * handler (and the choice of a handler) keeps the Dashboard's own handler picker.
 */
export const AlipayHandlerInput: DashboardFormComponent = ({ value, onChange }) => {
  const language = useAdminLanguage();
  const handler = value as HandlerValue | undefined | null;
  if (handler?.code === ALIPAY_HANDLER_CODE) {
    return <AlipaySettingsForm value={handler} onChange={onChange} onRemove={() => onChange(undefined)} />;
  }
  return (
    <ConfigurableOperationSelector
      value={handler ?? undefined}
      onChange={onChange}
      queryDocument={PAYMENT_HANDLERS_QUERY}
      queryKey="alipayExtensionPaymentMethodHandlers"
      dataPath="paymentMethodHandlers"
      buttonText={say('pickHandler', language)}
    />
  );
};
