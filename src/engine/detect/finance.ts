import { spansOf, type Span } from './spans.js';

/**
 * The finance layer: a person's money — a salary, a debt, a balance — given as amounts. It is personal data beside a
 * name or in the first person (the combining step checks that); a price list is not.
 */

const MONEY =
  /(?:[£$€¥₹]|R\$|US\$)\s?\d[\d,. ]{0,12}\d?k?|\b\d[\d,. ]{0,12}\s?(?:zł|PLN|EUR|USD|GBP|CHF|INR|BRL|euros?|dollars|pounds)(?!\p{L})/gu;
const MONEY_WORD =
  /\b(?:salary|salaries|bonus|payslip|income|take-home|owe|owes|owed|debt|debts|loan|mortgage|arrears|overdue|balance|saldo|zalega|zadłużenie|raty?|kredyt\w*|renda|sal[áa]rio|divorce|alimony|child support|credit cards?|repaying|garnish\w*|bankrupt\w*|Gehalt|Schulden|salaire|dette|deuda|sueldo|pension|severance)\b/i;

export function financeSpans(text: string): Span[] {
  return MONEY_WORD.test(text) ? spansOf(text, MONEY, 'finance', 0.75) : [];
}
