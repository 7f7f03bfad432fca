// package ${{ values.index }} of ${{ values.scope }}
export const name = '${{ values.name }}';
