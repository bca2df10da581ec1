"""intake: turns lenders' defaults into opened cases, or precise rejections."""
