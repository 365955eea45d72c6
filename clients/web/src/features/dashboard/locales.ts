import type { FeatureTexts } from '../../lib/i18n';

const texts: FeatureTexts = {
  'zh-CN': {
    title: '工作台',
    agenda: {
      title: '今日待办',
      of: '{{date}}（{{timezone}}）',
      whose: '查看谁的待办',
      me: '我自己',
      empty: '今天没有待办事项',
      emptyBody: '没有到期的跟进、近期生日、待交付的合同、待收款或沉睡客户。',
      none: '无',
      kind: {
        overdue: '逾期跟进',
        follow_up_today: '今日跟进',
        follow_up_tomorrow: '明日跟进',
        birthday: '近期生日',
        delivery_due: '待交付合同',
        payment_due: '待收款',
        dormant: '沉睡客户',
      },
      due: {
        overdue: '原定 {{when}}',
        follow_up_today: '{{when}}',
        follow_up_tomorrow: '{{when}}',
        birthday: '{{contact}}，{{when}} 生日',
        delivery_due: '交付日期 {{when}}',
        payment_due: '到期日 {{when}}',
        dormant: '最近联系 {{when}}',
      },
    },
    mine: { title: '本月我的业绩', period: '{{from}} 至 {{to}}' },
    team: { title: '团队本月业绩', reports: '查看报表', what: '团队本月业绩，按销售员' },
  },
  en: {
    title: 'Dashboard',
    agenda: {
      title: 'Agenda today',
      of: '{{date}} ({{timezone}})',
      whose: 'Whose agenda',
      me: 'Mine',
      empty: 'Nothing on the agenda today',
      emptyBody: 'No follow-ups due, birthdays coming, contracts to deliver, payments due or dormant customers.',
      none: 'None',
      kind: {
        overdue: 'Overdue follow-ups',
        follow_up_today: 'Follow-ups today',
        follow_up_tomorrow: 'Follow-ups tomorrow',
        birthday: 'Birthdays coming',
        delivery_due: 'Contracts due for delivery',
        payment_due: 'Payments due',
        dormant: 'Dormant customers',
      },
      due: {
        overdue: 'was due {{when}}',
        follow_up_today: '{{when}}',
        follow_up_tomorrow: '{{when}}',
        birthday: '{{contact}}, birthday {{when}}',
        delivery_due: 'delivery {{when}}',
        payment_due: 'due {{when}}',
        dormant: 'last contact {{when}}',
      },
    },
    mine: { title: 'My figures this month', period: '{{from}} to {{to}}' },
    team: { title: "The team's figures this month", reports: 'Open reports', what: "The team's figures this month, by salesperson" },
  },
};
export default texts;
