// package 2 of shop
export const name = 'ui';
