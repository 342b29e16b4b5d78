/** Asking for a right: which law, who you are (unless signed in), and for a correction what is right. */
import { useState } from 'preact/hooks';
import { ApiError } from '../shared/api.ts';
import { navigate } from '../shared/router.ts';
import { rememberRequest, type CenterContext, type Right } from './context.ts';

const correctionFields = [
  { name: 'givenName', key: 'givenName', type: 'text', autocomplete: 'given-name' },
  { name: 'familyName', key: 'familyName', type: 'text', autocomplete: 'family-name' },
  { name: 'email', key: 'newEmail', type: 'email', autocomplete: 'email' },
  { name: 'phone', key: 'newPhone', type: 'tel', autocomplete: 'tel' },
  { name: 'birthDate', key: 'birthDate', type: 'date', autocomplete: 'bday' },
] as const;

export function RequestForm({ ctx, right }: { ctx: CenterContext; right: Right }) {
  const { t, api, session } = ctx;
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // Held in state: a re-render (an error shown) must not reset the reader's choice.
  const [jurisdiction, setJurisdiction] = useState<'GDPR' | 'CCPA'>('GDPR');

  async function submit(e: Event) {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const value = (k: string) => String(form.get(k) ?? '').trim();
    const identifiers = Object.fromEntries(
      [
        ['email', value('email')],
        ['phone', value('phone')],
      ].filter(([, v]) => v),
    );
    if (!Object.keys(identifiers).length) return setError(t('needIdentifier'));
    const corrections = Object.fromEntries(
      correctionFields.map((f) => [f.name, value(`fix-${f.name}`)]).filter(([, v]) => v),
    );
    if (right === 'rectification' && !Object.keys(corrections).length) return setError(t('needCorrection'));
    setBusy(true);
    setError(undefined);
    try {
      const body = {
        type: right,
        jurisdiction,
        identifiers,
        channel: 'web',
        ...(right === 'rectification' ? { corrections } : {}),
      };
      const created = await api('POST', '/v1/privacy-requests', { body, token: session?.token });
      rememberRequest({ id: created.id, type: right, requesterKey: created.requesterKey });
      navigate(`/requests/${created.id}`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
      setBusy(false);
    }
  }

  return (
    <>
      <h1>{t('requestTitle', { right: t(`right.${right}`) })}</h1>
      <p class="lead">{t(`right.${right}.hint`)}</p>
      <form onSubmit={submit} noValidate>
        <fieldset>
          <legend>{t('whereYouLive')}</legend>
          {(['GDPR', 'CCPA'] as const).map((j) => (
            <label class="switch">
              <input
                type="radio"
                name="jurisdiction"
                value={j}
                checked={jurisdiction === j}
                onChange={() => setJurisdiction(j)}
              />{' '}
              {t(`jurisdiction.${j}`)}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>{t('identify')}</legend>
          <p class="hint" id="identify-hint">
            {session ? t('signedInNoCode') : t('identifyHint')}
          </p>
          <label for="email">{t('email')}</label>
          <input id="email" name="email" type="email" autocomplete="email" aria-describedby="identify-hint" />
          <label for="phone">
            {t('phone')}{' '}
            <span class="hint" id="phone-hint">
              {t('phoneHint')}
            </span>
          </label>
          <input id="phone" name="phone" type="tel" autocomplete="tel" aria-describedby="phone-hint" />
        </fieldset>
        {right === 'rectification' && (
          <fieldset>
            <legend>{t('corrections')}</legend>
            <p class="hint">{t('correctionsHint')}</p>
            {correctionFields.map((f) => (
              <>
                <label for={`fix-${f.name}`}>{t(f.key)}</label>
                <input
                  id={`fix-${f.name}`}
                  name={`fix-${f.name}`}
                  type={f.type as 'text'}
                  autocomplete={f.autocomplete}
                />
              </>
            ))}
          </fieldset>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? t('sending') : t('submit')}
        </button>
      </form>
    </>
  );
}
