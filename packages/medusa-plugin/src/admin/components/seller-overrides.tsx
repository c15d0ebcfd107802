import { settingField } from '@alipay-commerce/core/settings';
import { Button, Container, Input, Text } from '@medusajs/ui';
import { useState } from 'react';
import { both, say } from '../lib/messages';
import type { SalesChannelOption } from '../lib/settings-api';
import { ChoiceSelect, Field } from './field';
import { BlockHeading } from './text-blocks';

/** One sales channel's seller override as edited on the page. */
export interface ChannelOverride {
  salesChannelId: string;
  sellerEmail: string;
  sellerId: string;
}

/** The settings a sales channel may override: where its payments go. */
const OVERRIDE_FIELDS = ['sellerEmail', 'sellerId'] as const;

/** Props of {@link SellerOverrides}. */
export interface SellerOverridesProps {
  overrides: ChannelOverride[];
  channels: SalesChannelOption[];
  busy: boolean;
  onChange: (overrides: ChannelOverride[]) => void;
  onSave: (override: ChannelOverride) => void;
  onRemove: (salesChannelId: string) => void;
}

/**
 * Sellers per sales channel (marketplaces): each channel's own seller account and user ID, saved
 * one channel at a time; empty fields inherit the global settings.
 */
export function SellerOverrides({
  overrides,
  channels,
  busy,
  onChange,
  onSave,
  onRemove,
}: SellerOverridesProps) {
  const [channelToAdd, setChannelToAdd] = useState('');
  const channelName = (id: string) => channels.find(channel => channel.id === id)?.name ?? id;
  const addable = channels.filter(
    channel => !overrides.some(override => override.salesChannelId === channel.id),
  );
  const edit = (override: ChannelOverride, name: (typeof OVERRIDE_FIELDS)[number], value: string) =>
    onChange(overrides.map(item => (item === override ? { ...item, [name]: value } : item)));
  return (
    <Container className="divide-y p-0">
      <BlockHeading title={say('sellersHeading')} note={say('sellersNote')} />
      {overrides.map((override, index) => (
        <div
          key={override.salesChannelId}
          className="grid grid-cols-1 items-end gap-4 px-6 py-4 md:grid-cols-4"
        >
          <Text size="small" weight="plus">
            {channelName(override.salesChannelId)}
          </Text>
          {OVERRIDE_FIELDS.map(name => {
            const id = `alipay-override-${name === 'sellerEmail' ? 'email' : 'seller'}-${index}`;
            return (
              <Field key={name} id={id} label={both(settingField(name).label)}>
                <Input
                  id={id}
                  value={override[name]}
                  onChange={event => edit(override, name, event.target.value)}
                />
              </Field>
            );
          })}
          <div className="flex gap-x-2">
            <Button size="small" variant="secondary" onClick={() => onSave(override)} isLoading={busy}>
              {say('save')}
            </Button>
            <Button
              size="small"
              variant="danger"
              onClick={() => onRemove(override.salesChannelId)}
              isLoading={busy}
            >
              {say('remove')}
            </Button>
          </div>
        </div>
      ))}
      <div className="flex items-end gap-x-2 px-6 py-4">
        <Field id="alipay-add-channel" label={say('addChannel')}>
          <ChoiceSelect
            id="alipay-add-channel"
            value={channelToAdd}
            placeholder
            choices={addable.map(channel => ({ value: channel.id, label: channel.name }))}
            onChange={setChannelToAdd}
          />
        </Field>
        <Button
          size="small"
          variant="secondary"
          disabled={!channelToAdd}
          onClick={() => {
            onChange([...overrides, { salesChannelId: channelToAdd, sellerEmail: '', sellerId: '' }]);
            setChannelToAdd('');
          }}
        >
          {say('add')}
        </Button>
      </div>
    </Container>
  );
}
