/**
 * The privacy center's words in English and Simplified Chinese. The language comes from the
 * browser (navigator.languages) until the reader picks one with the switch (kept in localStorage).
 */
import { useLayoutEffect, useState } from 'preact/hooks';

export type Lang = 'en' | 'zh-CN';
export const languages: { lang: Lang; name: string }[] = [
  { lang: 'en', name: 'English' },
  { lang: 'zh-CN', name: '简体中文' },
];

const en = {
  title: 'Privacy center',
  skip: 'Skip to content',
  language: 'Language',
  signIn: 'Sign in',
  signOut: 'Sign out',
  signedInAs: 'Signed in as customer {sub}',
  home: 'Your privacy',
  homeLead:
    'Ask us about the data we hold on you, or change what you let us do with it. Every request is answered within the legal deadline.',
  chooseRight: 'What would you like to do?',
  manageConsent: 'Manage your consent',
  manageConsentHint: 'Choose which messages and uses of your data you agree to. Change it any time.',
  yourRequests: 'Your requests in this browser',
  'right.access': 'Get a copy of my data',
  'right.access.hint': 'See what we hold about you, in every system, and download it.',
  'right.portability': 'Take my data to another company',
  'right.portability.hint': 'A machine-readable copy (JSON or CSV) you can give to someone else.',
  'right.erasure': 'Delete my data',
  'right.erasure.hint': 'We delete or anonymize your data everywhere, except what the law makes us keep.',
  'right.rectification': 'Correct my data',
  'right.rectification.hint': 'Fix a wrong name, email, phone or date of birth.',
  'right.restriction': 'Pause the use of my data',
  'right.restriction.hint': 'We keep your data but stop using it while a question is settled.',
  'right.objection': 'Stop using my data for marketing',
  'right.objection.hint': 'Object to direct marketing and profiling for it.',
  'right.opt_out_sale_sharing': 'Do not sell or share my data',
  'right.opt_out_sale_sharing.hint': 'Opt out of the sale and sharing of your personal information.',
  'right.limit_sensitive': 'Limit the use of my sensitive data',
  'right.limit_sensitive.hint': 'Use sensitive data only for what the service needs.',
  requestTitle: 'Your request: {right}',
  whereYouLive: 'Which law applies to you?',
  'jurisdiction.GDPR': 'EU or UK (GDPR)',
  'jurisdiction.CCPA': 'California (CCPA)',
  identify: 'How do we find you?',
  identifyHint:
    'Give the email or phone number you use with us. We send a code to the contact we already have on file, never to a new one.',
  email: 'Email',
  phone: 'Phone number',
  phoneHint: 'With the country code, for example +44 20 7946 0000',
  corrections: 'The correct values',
  correctionsHint: 'Fill in only what is wrong.',
  givenName: 'Given name',
  familyName: 'Family name',
  birthDate: 'Date of birth',
  newEmail: 'Correct email',
  newPhone: 'Correct phone number',
  signedInNoCode: 'You are signed in, so we know it is you: no code is needed.',
  submit: 'Send the request',
  sending: 'Sending…',
  needIdentifier: 'Give an email or a phone number.',
  needCorrection: 'Fill in at least one correct value.',
  codeTitle: 'Check your inbox',
  codeLead:
    'If we hold data about you, we sent a 6-digit code to the contact we have on file. It is valid for 15 minutes.',
  code: 'Code',
  verify: 'Confirm',
  codeFormat: 'The code is 6 digits.',
  followTitle: 'Request {id}',
  followLead: 'This page updates by itself.',
  'status.pending_verification': 'Waiting for your code',
  'status.received': 'Received',
  'status.in_progress': 'In progress',
  'status.needs_attention': 'Being checked by our team',
  'status.completed': 'Completed',
  'status.partially_completed': 'Partly completed',
  'status.denied': 'Refused',
  'status.unverified': 'Not verified',
  'status.cancelled': 'Cancelled',
  'step.received': 'Received',
  'step.verified': 'Identity confirmed',
  'step.in_progress': 'In our systems',
  'step.completed': 'Answered',
  status: 'Status',
  receivedAt: 'Received',
  dueAt: 'We answer by',
  extendedTo: 'Extended to {date}: {reason}',
  systems: 'Progress in each system',
  system: 'System',
  state: 'State',
  'task.pending': 'Waiting',
  'task.running': 'Working',
  'task.succeeded': 'Done',
  'task.failed': 'Problem, we are retrying',
  'task.exempt': 'Kept by law',
  'task.skipped': 'Nothing to do',
  verifiedReadBack: 'checked afterwards',
  kept: 'What we must keep',
  keptLead: 'The law obliges us to keep some data; we keep it only for that purpose and only until the date shown.',
  field: 'Data',
  basis: 'Why',
  until: 'Until',
  answer: 'Our answer',
  'outcome.no_data_held': 'We hold no data about the person these details point to.',
  'outcome.erased': 'Your data has been deleted or anonymized in every system.',
  'outcome.partially_erased': 'Your data has been deleted or anonymized, except what the law makes us keep (below).',
  'outcome.failed_systems': 'Some systems could not finish. Our team is on it, and the deadline still holds.',
  'outcome.report_ready': 'Your report is ready.',
  'outcome.rectified': 'Your data has been corrected.',
  'outcome.restricted': 'The use of your data is paused.',
  'outcome.opted_out': 'Your choice is recorded and passed on to every system that needs it.',
  'outcome.denied': 'We could not act on this request. You may complain to your data protection authority.',
  'outcome.unverified': 'We could not confirm who you are, so nothing was done. You may ask again.',
  'outcome.cancelled': 'The request was cancelled.',
  'outcome.duplicate': 'You already have this request open; we continue with that one.',
  denialReason: 'Reason: {reason}',
  download: 'Download your report',
  downloadJson: 'Download (JSON)',
  downloadCsv: 'Download (CSV)',
  linkExpires: 'The link works until {date}.',
  cancel: 'Cancel the request',
  notFound: 'We cannot show this request. It may be one you opened in another browser.',
  consentTitle: 'Your consent',
  consentLead:
    'Each switch saves at once. Turning one off is as easy as turning it on, and takes effect straight away.',
  consentSignIn: 'Sign in to see and change your choices.',
  consentNotSignedIn: 'What you can choose',
  notice: 'Notice {id}, version {version}',
  purpose: 'Purpose',
  'channel.email': 'Email',
  'channel.sms': 'SMS',
  'channel.phone': 'Phone',
  'channel.post': 'Post',
  'channel.push': 'Push',
  'channel.in_app': 'In the app',
  'channel.any': 'Any channel',
  toggleLabel: '{purpose} by {channel}',
  saved: 'Saved: {purpose} by {channel} is now {state}.',
  'state.granted': 'on',
  'state.denied': 'off',
  'state.withdrawn': 'off',
  gpcHonored:
    'Your browser sent a Global Privacy Control signal: we treat it as an opt-out of the sale and sharing of your data, and we have recorded it.',
  gpcDetected:
    'Your browser sends a Global Privacy Control signal. We honour it as an opt-out of sale and sharing when you save a choice.',
  optOutFiled: 'We are telling the systems that sold or shared data about your opt-out (request {id}).',
  flags: 'Standing choices',
  'flag.optOutSale': 'Opted out of sale',
  'flag.optOutSharing': 'Opted out of sharing',
  'flag.limitSensitive': 'Sensitive data limited',
  'flag.restricted': 'Use paused',
  'flag.objectedDirectMarketing': 'Objected to marketing',
  'flag.erased': 'Erased',
  loading: 'Loading…',
  error: 'Something went wrong: {message}',
  back: 'Back to your privacy',
};

type Key = keyof typeof en;

const zh: Record<Key, string> = {
  title: '隐私中心',
  skip: '跳到正文',
  language: '语言',
  signIn: '登录',
  signOut: '退出',
  signedInAs: '已登录：客户 {sub}',
  home: '您的隐私',
  homeLead: '查询我们持有的您的数据，或更改您允许我们如何使用这些数据。每项请求都会在法定期限内答复。',
  chooseRight: '您想做什么？',
  manageConsent: '管理您的同意',
  manageConsentHint: '选择您同意接收的信息和数据用途，可随时更改。',
  yourRequests: '您在此浏览器中的请求',
  'right.access': '获取我的数据副本',
  'right.access.hint': '查看我们在各个系统中持有的关于您的数据，并下载。',
  'right.portability': '把我的数据转给另一家公司',
  'right.portability.hint': '一份机器可读的副本（JSON 或 CSV），可交给他人。',
  'right.erasure': '删除我的数据',
  'right.erasure.hint': '我们会在所有系统中删除或匿名化您的数据，法律要求保留的除外。',
  'right.rectification': '更正我的数据',
  'right.rectification.hint': '更正错误的姓名、电子邮箱、电话或出生日期。',
  'right.restriction': '暂停使用我的数据',
  'right.restriction.hint': '在问题解决前，我们保留但停止使用您的数据。',
  'right.objection': '停止将我的数据用于营销',
  'right.objection.hint': '反对直接营销及为此进行的画像分析。',
  'right.opt_out_sale_sharing': '不要出售或共享我的数据',
  'right.opt_out_sale_sharing.hint': '选择退出个人信息的出售和共享。',
  'right.limit_sensitive': '限制使用我的敏感数据',
  'right.limit_sensitive.hint': '敏感数据仅用于提供服务所必需的用途。',
  requestTitle: '您的请求：{right}',
  whereYouLive: '适用于您的法律',
  'jurisdiction.GDPR': '欧盟或英国（GDPR）',
  'jurisdiction.CCPA': '加利福尼亚（CCPA）',
  identify: '我们如何找到您？',
  identifyHint:
    '请填写您在我们这里使用的电子邮箱或电话号码。验证码只会发送到我们已有记录的联系方式，绝不会发到新的联系方式。',
  email: '电子邮箱',
  phone: '电话号码',
  phoneHint: '请带国家代码，例如 +86 10 1234 5678',
  corrections: '正确的信息',
  correctionsHint: '只填写错误的部分。',
  givenName: '名',
  familyName: '姓',
  birthDate: '出生日期',
  newEmail: '正确的电子邮箱',
  newPhone: '正确的电话号码',
  signedInNoCode: '您已登录，我们知道是您本人：无需验证码。',
  submit: '提交请求',
  sending: '正在提交…',
  needIdentifier: '请填写电子邮箱或电话号码。',
  needCorrection: '请至少填写一项正确的信息。',
  codeTitle: '请查收验证码',
  codeLead: '如果我们持有您的数据，我们已向记录中的联系方式发送了 6 位验证码，15 分钟内有效。',
  code: '验证码',
  verify: '确认',
  codeFormat: '验证码为 6 位数字。',
  followTitle: '请求 {id}',
  followLead: '本页会自动更新。',
  'status.pending_verification': '等待您的验证码',
  'status.received': '已收到',
  'status.in_progress': '处理中',
  'status.needs_attention': '我们的团队正在核查',
  'status.completed': '已完成',
  'status.partially_completed': '部分完成',
  'status.denied': '已拒绝',
  'status.unverified': '未通过验证',
  'status.cancelled': '已取消',
  'step.received': '已收到',
  'step.verified': '身份已确认',
  'step.in_progress': '各系统处理中',
  'step.completed': '已答复',
  status: '状态',
  receivedAt: '收到时间',
  dueAt: '答复期限',
  extendedTo: '已延期至 {date}：{reason}',
  systems: '各系统的进度',
  system: '系统',
  state: '状态',
  'task.pending': '等待中',
  'task.running': '处理中',
  'task.succeeded': '已完成',
  'task.failed': '出现问题，正在重试',
  'task.exempt': '依法保留',
  'task.skipped': '无需处理',
  verifiedReadBack: '已事后核验',
  kept: '我们必须保留的数据',
  keptLead: '法律要求我们保留部分数据；我们仅为此目的保留，且仅保留到所示日期。',
  field: '数据',
  basis: '原因',
  until: '保留至',
  answer: '我们的答复',
  'outcome.no_data_held': '我们没有持有这些信息所指向人员的数据。',
  'outcome.erased': '您的数据已在所有系统中删除或匿名化。',
  'outcome.partially_erased': '您的数据已删除或匿名化，法律要求保留的部分除外（见下文）。',
  'outcome.failed_systems': '部分系统未能完成。我们的团队正在处理，期限不变。',
  'outcome.report_ready': '您的报告已准备好。',
  'outcome.rectified': '您的数据已更正。',
  'outcome.restricted': '您的数据已暂停使用。',
  'outcome.opted_out': '您的选择已记录，并已通知所有需要知道的系统。',
  'outcome.denied': '我们无法处理此请求。您可以向数据保护机构投诉。',
  'outcome.unverified': '我们无法确认您的身份，因此未做任何处理。您可以重新提出请求。',
  'outcome.cancelled': '请求已取消。',
  'outcome.duplicate': '您已有一个相同的请求在处理中，我们将继续处理那个请求。',
  denialReason: '原因：{reason}',
  download: '下载您的报告',
  downloadJson: '下载（JSON）',
  downloadCsv: '下载（CSV）',
  linkExpires: '链接有效期至 {date}。',
  cancel: '取消请求',
  notFound: '无法显示此请求，它可能是在其他浏览器中提交的。',
  consentTitle: '您的同意',
  consentLead: '每个开关都会立即保存。关闭和开启一样简单，并立即生效。',
  consentSignIn: '请登录以查看和更改您的选择。',
  consentNotSignedIn: '您可以选择的内容',
  notice: '告知 {id}，第 {version} 版',
  purpose: '用途',
  'channel.email': '电子邮件',
  'channel.sms': '短信',
  'channel.phone': '电话',
  'channel.post': '邮寄',
  'channel.push': '推送',
  'channel.in_app': '应用内',
  'channel.any': '任何渠道',
  toggleLabel: '通过{channel}的{purpose}',
  saved: '已保存：通过{channel}的{purpose}现为{state}。',
  'state.granted': '开启',
  'state.denied': '关闭',
  'state.withdrawn': '关闭',
  gpcHonored: '您的浏览器发送了全球隐私控制（GPC）信号：我们将其视为退出出售和共享您的数据，并已记录。',
  gpcDetected: '您的浏览器发送全球隐私控制（GPC）信号。您保存选择时，我们会将其视为退出出售和共享。',
  optOutFiled: '我们正在将您的退出选择通知曾出售或共享数据的系统（请求 {id}）。',
  flags: '长期有效的选择',
  'flag.optOutSale': '已退出出售',
  'flag.optOutSharing': '已退出共享',
  'flag.limitSensitive': '已限制敏感数据',
  'flag.restricted': '已暂停使用',
  'flag.objectedDirectMarketing': '已反对营销',
  'flag.erased': '已删除',
  loading: '加载中…',
  error: '出错了：{message}',
  back: '返回您的隐私',
};

/** Purpose titles and descriptions come from the catalog in English; these are their Chinese words. */
export const purposeWords: Record<string, { title: string; description: string }> = {
  marketing: { title: '营销', description: '通过您选择的渠道向您发送我们产品的优惠和资讯。' },
  profiling: { title: '营销画像', description: '利用我们对您的了解来选择向您展示哪些优惠。' },
  analytics: { title: '分析', description: '衡量我们服务的使用情况，以便改进。' },
  third_party_sharing: { title: '与合作伙伴共享', description: '与合作伙伴共享您的数据，用于跨情境行为广告。' },
  sale: { title: '出售个人信息', description: '将您的数据出售给第三方。' },
  sensitive_data_use: { title: '使用敏感数据', description: '在服务所需之外使用敏感数据（如精确位置或健康信息）。' },
};

const dictionaries: Record<Lang, Record<Key, string>> = { en, 'zh-CN': zh };

export function browserLang(): Lang {
  const saved = localStorage.getItem('custodian.lang');
  if (saved === 'en' || saved === 'zh-CN') return saved;
  const wanted = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const l of wanted) {
    const tag = l.toLowerCase();
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

/** The locale dates are written in: the reader's own (en-GB stays en-GB), in the chosen language. */
export function dateLocale(lang: Lang): string {
  const own = navigator.languages?.find((l) => l.toLowerCase().startsWith(lang === 'zh-CN' ? 'zh' : 'en'));
  return own ?? lang;
}

export type T = (key: Key, params?: Record<string, string>) => string;

export function translator(lang: Lang): T {
  const dict = dictionaries[lang];
  return (key, params) => {
    let s = dict[key] ?? en[key] ?? key;
    for (const [k, v] of Object.entries(params ?? {})) s = s.replaceAll(`{${k}}`, v);
    return s;
  };
}

export function useLang(): [Lang, (l: Lang) => void] {
  const [lang, setLang] = useState<Lang>(browserLang);
  // Before paint, in the same task as the new words: a reader never meets text in one language marked as another.
  useLayoutEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  return [
    lang,
    (l) => {
      localStorage.setItem('custodian.lang', l);
      setLang(l);
    },
  ];
}

export const isKey = (k: string): k is Key => k in en;
