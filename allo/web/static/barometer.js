// The barometer's « Imprimer » button: the browser's print dialogue (the layout is the @media print of barometer.css).
document.getElementById("barometer-print")?.addEventListener("click", () => window.print());
