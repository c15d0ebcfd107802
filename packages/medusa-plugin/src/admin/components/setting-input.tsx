import {
  CHARSET_LABELS,
  INTERFACE_TYPE_LABELS,
  INTERFACE_TYPES,
  type SettingField,
  type SettingName,
} from '@alipay-commerce/core/settings';
import { Input, Switch, Textarea } from '@medusajs/ui';
import { hasFlagName, type MaskedAlipaySettings, type SecretField } from '../../shared/settings-fields';
import { both, say } from '../lib/messages';
import type { GatewayMode, SettingsForm } from '../lib/settings-form';
import { type Choice, ChoiceSelect, Field } from './field';
import { SecretInput, secretNote } from './secret-input';

/**
 * Element IDs that are not `alipay-<kebab-case name>`: the IDs of the page's first version, which
 * browser tests and merchants' own scripts find the inputs by.
 */
const ELEMENT_IDS: Partial<Record<SettingName, string>> = {
  alipayPublicKey: 'alipay-public-key',
  alipayRootCertificate: 'alipay-root-certificate',
  alwaysQrOnDesktop: 'alipay-always-qr',
};

/** The element ID of a setting's input, e.g. `alipay-partner-id`. */
export function elementId(name: SettingName): string {
  return ELEMENT_IDS[name] ?? `alipay-${name.replace(/[A-Z]/g, letter => `-${letter.toLowerCase()}`)}`;
}

/** The choices of the settings edited with a select, labelled in both languages. */
const CHOICES: Partial<Record<SettingName, readonly Choice[]>> = {
  interfaceType: INTERFACE_TYPES.map(type => ({ value: type, label: both(INTERFACE_TYPE_LABELS[type]) })),
  charset: Object.entries(CHARSET_LABELS).map(([charset, label]) => ({ value: charset, label: both(label) })),
};

/** Medusa keeps the gateway as a named one or a URL typed in; the core only sees the result. */
const GATEWAY_CHOICES: readonly Choice[] = [
  { value: 'production', label: say('gatewayProduction') },
  { value: 'sandbox', label: say('gatewaySandbox') },
  { value: 'custom', label: say('gatewayCustom') },
];

/** Props of {@link SettingInput}. */
export interface SettingInputProps {
  /** The setting, as the core's settings schema describes it. */
  field: SettingField;
  form: SettingsForm;
  /** The stored settings, for the secrets' masked hints. */
  masked: MaskedAlipaySettings;
  onValue: (name: SettingName, value: string | boolean) => void;
  onGatewayMode: (mode: GatewayMode) => void;
}

/** The gateway: production, the OpenAPI sandbox, or a custom URL (e.g. the offline sandbox). */
function GatewayInput({ field, form, onValue, onGatewayMode }: SettingInputProps) {
  return (
    <>
      <Field id="alipay-gateway" label={both(field.label)} field="gateway" description={field.description}>
        <ChoiceSelect
          id="alipay-gateway"
          value={form.gatewayMode}
          choices={GATEWAY_CHOICES}
          onChange={mode => onGatewayMode(mode as GatewayMode)}
        />
      </Field>
      {form.gatewayMode === 'custom' && (
        <Field id="alipay-gateway-url" label={say('gatewayUrl')} field="gateway">
          <Input
            id="alipay-gateway-url"
            value={String(form.values.gateway)}
            placeholder="https://…/gateway.do"
            onChange={event => onValue('gateway', event.target.value)}
          />
        </Field>
      )}
    </>
  );
}

/**
 * One setting of the core's schema as a labelled input: a switch, a write-only secret, a select, a
 * multi-line text (keys, certificates) or a line of text.
 */
export function SettingInput(props: SettingInputProps) {
  const { field, form, masked, onValue } = props;
  const { name } = field;
  const id = elementId(name);
  const value = form.values[name];
  const frame = { id, label: both(field.label), field: name, description: field.description };
  const onText = (event: { target: { value: string } }) => onValue(name, event.target.value);
  const choices = CHOICES[name];
  if (name === 'gateway') return <GatewayInput {...props} />;
  if (field.input === 'boolean') {
    return (
      <Field {...frame} inline>
        <Switch id={id} checked={value === true} onCheckedChange={checked => onValue(name, checked)} />
      </Field>
    );
  }
  if (field.input === 'secret') {
    const secret = name as SecretField;
    const isSet = masked[hasFlagName(secret)];
    const hint = masked[`${secret}Hint`];
    return (
      <Field {...frame} note={secretNote(isSet, hint)}>
        <SecretInput
          id={id}
          isSet={isSet}
          hint={hint}
          multiline={field.multiline}
          value={String(value)}
          onChange={next => onValue(name, next)}
        />
      </Field>
    );
  }
  return (
    <Field {...frame}>
      {choices ? (
        <ChoiceSelect
          id={id}
          value={String(value)}
          choices={choices}
          placeholder={name === 'interfaceType'}
          onChange={next => onValue(name, next)}
        />
      ) : field.input === 'textarea' ? (
        <Textarea id={id} className="font-mono" spellCheck={false} value={String(value)} onChange={onText} />
      ) : (
        <Input id={id} value={String(value)} onChange={onText} />
      )}
    </Field>
  );
}
