// `max-ternary-depth`: a ternary may hold one more ternary, not two. ESLint's own `no-nested-ternary` forbids
// any nesting, and unicorn's asks for parentheses that Prettier removes; depth is what costs the reader.

/** @type {import('eslint').Rule.RuleModule} */
export const maxTernaryDepth = {
  meta: {
    type: 'suggestion',
    schema: [{ type: 'integer', minimum: 1 }],
    messages: { deep: 'A ternary {{depth}} deep (at most {{max}}): name the steps, or use if/else or a lookup.' },
  },
  create(context) {
    const max = context.options[0] ?? 2;
    return {
      ConditionalExpression(node) {
        let depth = 1;
        for (let p = node.parent; p; p = p.parent) if (p.type === 'ConditionalExpression') depth += 1;
        if (depth === max + 1) context.report({ node, messageId: 'deep', data: { depth, max } });
      },
    };
  },
};
