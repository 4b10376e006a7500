/* libclang is loaded when the deep pass runs, not when archport starts:
 * linked in, libclang and LLVM cost every scan ~60 MB of resident memory
 * and their start-up time. deep_clang.c calls the functions by their usual
 * names, which these macros route through the loaded table. */
#ifndef ARCHPORT_LIBCLANG_LOAD_H
#define ARCHPORT_LIBCLANG_LOAD_H

#include <clang-c/CXCompilationDatabase.h>
#include <clang-c/Index.h>

#define LIBCLANG_FUNCTIONS(X) \
	X(clang_CompilationDatabase_dispose) \
	X(clang_CompilationDatabase_fromDirectory) \
	X(clang_CompilationDatabase_getAllCompileCommands) \
	X(clang_CompileCommand_getArg) \
	X(clang_CompileCommand_getDirectory) \
	X(clang_CompileCommand_getFilename) \
	X(clang_CompileCommand_getNumArgs) \
	X(clang_CompileCommands_dispose) \
	X(clang_CompileCommands_getCommand) \
	X(clang_CompileCommands_getSize) \
	X(clang_Cursor_Evaluate) \
	X(clang_Cursor_getArgument) \
	X(clang_Cursor_getNumArguments) \
	X(clang_Cursor_getVarDeclInitializer) \
	X(clang_Cursor_isBitField) \
	X(clang_Cursor_isNull) \
	X(clang_EvalResult_dispose) \
	X(clang_EvalResult_getAsLongLong) \
	X(clang_EvalResult_getAsUnsigned) \
	X(clang_EvalResult_getKind) \
	X(clang_EvalResult_isUnsignedInt) \
	X(clang_File_tryGetRealPathName) \
	X(clang_Type_getNamedType) \
	X(clang_Type_getSizeOf) \
	X(clang_Type_visitFields) \
	X(clang_createIndex) \
	X(clang_disposeDiagnostic) \
	X(clang_disposeIndex) \
	X(clang_disposeString) \
	X(clang_disposeTokens) \
	X(clang_disposeTranslationUnit) \
	X(clang_equalLocations) \
	X(clang_getArgType) \
	X(clang_getArrayElementType) \
	X(clang_getCString) \
	X(clang_getCanonicalType) \
	X(clang_getClangVersion) \
	X(clang_getCursorBinaryOperatorKind) \
	X(clang_equalCursors) \
	X(clang_getCursorExtent) \
	X(clang_getRangeEnd) \
	X(clang_getRangeStart) \
	X(clang_getCursorKind) \
	X(clang_getCursorLocation) \
	X(clang_getCursorReferenced) \
	X(clang_getCursorSpelling) \
	X(clang_getCursorType) \
	X(clang_getDiagnostic) \
	X(clang_getDiagnosticLocation) \
	X(clang_getDiagnosticSeverity) \
	X(clang_getDiagnosticSpelling) \
	X(clang_getEnumConstantDeclValue) \
	X(clang_getExpansionLocation) \
	X(clang_getFieldDeclBitWidth) \
	X(clang_getFileContents) \
	X(clang_getFileName) \
	X(clang_getInclusions) \
	X(clang_getLocationForOffset) \
	X(clang_getNullCursor) \
	X(clang_getNumArgTypes) \
	X(clang_getNumDiagnostics) \
	X(clang_getRange) \
	X(clang_getSpellingLocation) \
	X(clang_getTokenKind) \
	X(clang_getTokenSpelling) \
	X(clang_getTranslationUnitCursor) \
	X(clang_getTypeDeclaration) \
	X(clang_getTypeSpelling) \
	X(clang_getTypedefDeclUnderlyingType) \
	X(clang_isCursorDefinition) \
	X(clang_parseTranslationUnit2) \
	X(clang_tokenize) \
	X(clang_visitChildren)

#define LIBCLANG_POINTER(name) __typeof__(name) *name;
struct libclang {
	LIBCLANG_FUNCTIONS(LIBCLANG_POINTER)
};
#undef LIBCLANG_POINTER
extern struct libclang libclang;

/* Returns 0 once libclang is loaded; -1 after a message on stderr. */
int libclang_load(void);

#ifndef LIBCLANG_LOADER
#define clang_CompilationDatabase_dispose (libclang.clang_CompilationDatabase_dispose)
#define clang_CompilationDatabase_fromDirectory (libclang.clang_CompilationDatabase_fromDirectory)
#define clang_CompilationDatabase_getAllCompileCommands (libclang.clang_CompilationDatabase_getAllCompileCommands)
#define clang_CompileCommand_getArg (libclang.clang_CompileCommand_getArg)
#define clang_CompileCommand_getDirectory (libclang.clang_CompileCommand_getDirectory)
#define clang_CompileCommand_getFilename (libclang.clang_CompileCommand_getFilename)
#define clang_CompileCommand_getNumArgs (libclang.clang_CompileCommand_getNumArgs)
#define clang_CompileCommands_dispose (libclang.clang_CompileCommands_dispose)
#define clang_CompileCommands_getCommand (libclang.clang_CompileCommands_getCommand)
#define clang_CompileCommands_getSize (libclang.clang_CompileCommands_getSize)
#define clang_Cursor_Evaluate (libclang.clang_Cursor_Evaluate)
#define clang_Cursor_getArgument (libclang.clang_Cursor_getArgument)
#define clang_Cursor_getNumArguments (libclang.clang_Cursor_getNumArguments)
#define clang_Cursor_getVarDeclInitializer (libclang.clang_Cursor_getVarDeclInitializer)
#define clang_Cursor_isBitField (libclang.clang_Cursor_isBitField)
#define clang_Cursor_isNull (libclang.clang_Cursor_isNull)
#define clang_EvalResult_dispose (libclang.clang_EvalResult_dispose)
#define clang_EvalResult_getAsLongLong (libclang.clang_EvalResult_getAsLongLong)
#define clang_EvalResult_getAsUnsigned (libclang.clang_EvalResult_getAsUnsigned)
#define clang_EvalResult_isUnsignedInt (libclang.clang_EvalResult_isUnsignedInt)
#define clang_EvalResult_getKind (libclang.clang_EvalResult_getKind)
#define clang_File_tryGetRealPathName (libclang.clang_File_tryGetRealPathName)
#define clang_Type_getNamedType (libclang.clang_Type_getNamedType)
#define clang_Type_getSizeOf (libclang.clang_Type_getSizeOf)
#define clang_Type_visitFields (libclang.clang_Type_visitFields)
#define clang_createIndex (libclang.clang_createIndex)
#define clang_disposeDiagnostic (libclang.clang_disposeDiagnostic)
#define clang_disposeIndex (libclang.clang_disposeIndex)
#define clang_disposeString (libclang.clang_disposeString)
#define clang_disposeTokens (libclang.clang_disposeTokens)
#define clang_disposeTranslationUnit (libclang.clang_disposeTranslationUnit)
#define clang_equalLocations (libclang.clang_equalLocations)
#define clang_getArgType (libclang.clang_getArgType)
#define clang_getArrayElementType (libclang.clang_getArrayElementType)
#define clang_getCString (libclang.clang_getCString)
#define clang_getCanonicalType (libclang.clang_getCanonicalType)
#define clang_getClangVersion (libclang.clang_getClangVersion)
#define clang_getCursorBinaryOperatorKind (libclang.clang_getCursorBinaryOperatorKind)
#define clang_equalCursors (libclang.clang_equalCursors)
#define clang_getCursorExtent (libclang.clang_getCursorExtent)
#define clang_getRangeEnd (libclang.clang_getRangeEnd)
#define clang_getRangeStart (libclang.clang_getRangeStart)
#define clang_getCursorKind (libclang.clang_getCursorKind)
#define clang_getCursorLocation (libclang.clang_getCursorLocation)
#define clang_getCursorReferenced (libclang.clang_getCursorReferenced)
#define clang_getCursorSpelling (libclang.clang_getCursorSpelling)
#define clang_getCursorType (libclang.clang_getCursorType)
#define clang_getDiagnostic (libclang.clang_getDiagnostic)
#define clang_getDiagnosticLocation (libclang.clang_getDiagnosticLocation)
#define clang_getDiagnosticSeverity (libclang.clang_getDiagnosticSeverity)
#define clang_getDiagnosticSpelling (libclang.clang_getDiagnosticSpelling)
#define clang_getEnumConstantDeclValue (libclang.clang_getEnumConstantDeclValue)
#define clang_getExpansionLocation (libclang.clang_getExpansionLocation)
#define clang_getFieldDeclBitWidth (libclang.clang_getFieldDeclBitWidth)
#define clang_getFileContents (libclang.clang_getFileContents)
#define clang_getFileName (libclang.clang_getFileName)
#define clang_getInclusions (libclang.clang_getInclusions)
#define clang_getLocationForOffset (libclang.clang_getLocationForOffset)
#define clang_getNullCursor (libclang.clang_getNullCursor)
#define clang_getNumArgTypes (libclang.clang_getNumArgTypes)
#define clang_getNumDiagnostics (libclang.clang_getNumDiagnostics)
#define clang_getRange (libclang.clang_getRange)
#define clang_getSpellingLocation (libclang.clang_getSpellingLocation)
#define clang_getTokenKind (libclang.clang_getTokenKind)
#define clang_getTokenSpelling (libclang.clang_getTokenSpelling)
#define clang_getTranslationUnitCursor (libclang.clang_getTranslationUnitCursor)
#define clang_getTypeDeclaration (libclang.clang_getTypeDeclaration)
#define clang_getTypeSpelling (libclang.clang_getTypeSpelling)
#define clang_getTypedefDeclUnderlyingType (libclang.clang_getTypedefDeclUnderlyingType)
#define clang_isCursorDefinition (libclang.clang_isCursorDefinition)
#define clang_parseTranslationUnit2 (libclang.clang_parseTranslationUnit2)
#define clang_tokenize (libclang.clang_tokenize)
#define clang_visitChildren (libclang.clang_visitChildren)
#endif

#endif
