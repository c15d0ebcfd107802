import {
  SETTING_FIELDS,
  SETTING_GROUP_LABELS,
  type SettingGroup,
  settingAppliesTo,
} from '@alipay-commerce/core/settings';
import { Heading } from '@medusajs/ui';
import { both } from '../lib/messages';
import { SettingInput, type SettingInputProps } from './setting-input';

/** The form's sections, in order: the interface type and gateway, then one per interface generation. */
const GROUPS: readonly SettingGroup[] = ['common', 'legacy', 'openapi', 'antom'];

/**
 * The global settings form, a loop over the core's settings schema: each section (group) shows its
 * settings, a generation's section only when the chosen interface type is of that generation. Values
 * of the hidden generation stay in the form (and are saved unchanged), so switching loses nothing.
 */
export function SettingsSections(props: Omit<SettingInputProps, 'field'>) {
  const interfaceType = String(props.form.values.interfaceType);
  return GROUPS.map(group => {
    const fields = SETTING_FIELDS.filter(
      field => field.group === group && settingAppliesTo(field, interfaceType),
    );
    if (fields.length === 0) return null;
    return (
      <div key={group} className="grid grid-cols-1 gap-4 px-6 py-4 md:grid-cols-2" data-alipay-group={group}>
        <Heading level="h2" className="md:col-span-2">
          {both(SETTING_GROUP_LABELS[group])}
        </Heading>
        {fields.map(field => (
          <SettingInput key={field.name} field={field} {...props} />
        ))}
      </div>
    );
  });
}
